"""Generic accuracy tables that users plug in (``--accuracy-table``): CSV or YAML.

CSV: a header ``model,variants,<metric>``, then one row per measured combination; ``variants``
holds the layer names joined by ``;`` (empty = baseline); lines starting with ``#`` are
comments::

    model,variants,top5
    resnet50,,92.86
    resnet50,layer2_0_conv1,92.37
    resnet50,layer2_0_conv1;layer4_1_conv2,90.98

YAML (optionally under a top-level ``models:`` key)::

    resnet50:
      metric: top5
      combinations:
        - {variants: [], value: 92.86}
        - {variants: [layer2_0_conv1], value: 92.37}

Values must be higher-is-better; every model needs a baseline. Layer names are the model's
layer names (PyTorch dotted names also match: ``layer2.0.conv1`` = ``layer2_0_conv1``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from terastal.errors import InputError
from terastal.planner.accuracy import AccuracyTable, _number, _read_lines, _split_variants

__all__ = ["load_accuracy_tables"]


def load_accuracy_tables(path: str | Path) -> dict[str, AccuracyTable]:
    """Read a user accuracy table (CSV or YAML) holding one or more models.

    CSV: a header ``model,variants,<metric>`` then one row per combination; ``variants`` is
    the layer names joined by ``;`` (empty = baseline); lines starting with ``#`` are
    comments. YAML: ``{model: {metric: str, combinations: [{variants: [..], value: x}]}}``,
    optionally under a top-level ``models:`` key. Values must be higher-is-better and every
    model needs a baseline.

    Parameters
    ----------
    path : str or Path
        ``.csv``, or ``.yaml`` / ``.yml`` / ``.json``.

    Returns
    -------
    dict of str to AccuracyTable
        Keyed by model name; layer names as written.

    Raises
    ------
    InputError
        Naming the file, line and field of the first problem.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return _load_csv(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return _load_yaml(path)
    raise InputError("accuracy table must be .csv, .yaml, .yml or .json", file=str(path))


def _load_csv(path: Path) -> dict[str, AccuracyTable]:
    src = str(path)
    lines = _read_lines(path)
    numbered = [(no, ln) for no, ln in enumerate(lines, 1) if ln.strip() and not ln.startswith("#")]
    if not numbered:
        raise InputError("empty accuracy table", file=src)
    rows = list(csv.reader([ln for _, ln in numbered]))
    hno, header = numbered[0][0], [h.strip() for h in rows[0]]
    if len(header) != 3 or [h.lower() for h in header[:2]] != ["model", "variants"]:
        raise InputError("header must be 'model,variants,<metric>'", file=src, line=hno)
    metric = header[2] or "metric"
    per_model: dict[str, dict[frozenset[str], float]] = {}
    first_line: dict[str, int] = {}
    for (no, _), row in zip(numbered[1:], rows[1:], strict=True):
        if len(row) != 3:
            raise InputError(f"expected 3 columns, got {len(row)}", file=src, line=no)
        model = row[0].strip()
        if not model:
            raise InputError("empty model name", file=src, line=no, field="model")
        combo = _split_variants(row[1], src, no)
        table = per_model.setdefault(model, {})
        first_line.setdefault(model, no)
        if combo in table:
            raise InputError("duplicate combination", file=src, line=no, field="variants")
        table[combo] = _number(row[2], src, no, metric)
    out = {}
    for model, vals in per_model.items():
        if frozenset() not in vals:
            raise InputError(
                f"model {model!r} has no baseline row (empty variants)",
                file=src,
                line=first_line[model],
                field="variants",
            )
        out[model] = AccuracyTable(model, metric, vals, src)
    return out


def _load_yaml(path: Path) -> dict[str, AccuracyTable]:
    src = str(path)
    text = "\n".join(_read_lines(path))
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}", file=src, line=line
        ) from None
    if root is None:
        raise InputError("empty accuracy table", file=src)
    models = _mapping(root, src, "<root>")
    if "models" in models and isinstance(models["models"][1], yaml.MappingNode):
        models = _mapping(models["models"][1], src, "models")
    out: dict[str, AccuracyTable] = {}
    for name, (knode, body) in models.items():
        spec = _mapping(body, src, name)
        metric = "metric"
        if "metric" in spec:
            metric = _scalar(spec["metric"][1], src, f"{name}.metric")
        if "combinations" not in spec:
            raise InputError("missing 'combinations'", file=src, line=_line(knode), field=name)
        seq = spec["combinations"][1]
        if not isinstance(seq, yaml.SequenceNode):
            raise InputError(
                "must be a list", file=src, line=_line(seq), field=f"{name}.combinations"
            )
        vals: dict[frozenset[str], float] = {}
        for i, item in enumerate(seq.value):
            where = f"{name}.combinations[{i}]"
            entry = _mapping(item, src, where)
            if "value" not in entry:
                raise InputError("missing 'value'", file=src, line=_line(item), field=where)
            combo = _yaml_variants(entry.get("variants"), src, f"{where}.variants")
            vnode = entry["value"][1]
            if combo in vals:
                raise InputError("duplicate combination", file=src, line=_line(item), field=where)
            vals[combo] = _number(
                _scalar(vnode, src, f"{where}.value"), src, _line(vnode), f"{where}.value"
            )
        if frozenset() not in vals:
            raise InputError(
                "no baseline (combination with empty variants)",
                file=src,
                line=_line(knode),
                field=name,
            )
        out[name] = AccuracyTable(name, metric, vals, src)
    return out


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.Node, src: str, where: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise InputError("must be a mapping", file=src, line=_line(node), field=where)
    return {str(k.value): (k, v) for k, v in node.value}


def _scalar(node: yaml.Node, src: str, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise InputError("must be a scalar", file=src, line=_line(node), field=where)
    return str(node.value)


def _yaml_variants(
    pair: tuple[yaml.Node, yaml.Node] | None, src: str, where: str
) -> frozenset[str]:
    if pair is None:
        return frozenset()
    node = pair[1]
    if isinstance(node, yaml.ScalarNode):
        if node.tag.endswith(":null"):
            return frozenset()
        return _split_variants(str(node.value), src, _line(node))
    if not isinstance(node, yaml.SequenceNode):
        raise InputError("must be a list of layer names", file=src, line=_line(node), field=where)
    names = [_scalar(n, src, where).strip() for n in node.value]
    if any(not n for n in names) or len(set(names)) != len(names):
        raise InputError("empty or repeated layer name", file=src, line=_line(node), field=where)
    return frozenset(names)
