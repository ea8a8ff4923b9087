from __future__ import annotations

import json

import click

from .common import write_output


@click.command()
@click.argument("which", type=click.Choice(["rules", "facts", "ruletest"]))
def schema(which):
    """打印规则文件、事实文件或规则测试文件的 JSON Schema(供编辑器自动补全)。"""
    from ..load.validate import schema as load_schema

    write_output(json.dumps(load_schema(which), ensure_ascii=False, indent=2) + "\n", None)
