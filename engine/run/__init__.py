"""Run stage (evaluate): Program x Reports -> Evaluation. Subjects, operand columns, the backend's decisions
made findings (evaluate), department by department in workers (parallel), streamed output."""
