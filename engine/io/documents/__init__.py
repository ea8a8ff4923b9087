"""Published self-evaluation documents (HTML, DOCX, XLSX/XLS, PDF) read into one neutral model of tables and
text (model.py), recognised as forms by their printed labels (forms.yaml) and mapped to facts (mapping.py).

The document libraries are imported inside the readers, so commands that never read a document do not load them.
"""
