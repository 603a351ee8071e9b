"""The sweep's HTML report: content, self-containment, and rendering in headless Chromium."""

import base64
import importlib.util
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from terastal.cli import main
from terastal.sweep import ResultStore, point_id, run_point
from terastal.sweep.report import build_report
from test_sweep_store import point, write_case

pytest.importorskip("matplotlib", reason="needs the sweep extra")

CHROMIUM = Path("/usr/bin/chromium")
# the skew column (and its figure) exists when terastal.workloads is installed
SKEW = ("fig-skew",) if importlib.util.find_spec("terastal.workloads") else ()
FIGURES = ("fig-model-miss", "fig-load", *SKEW, "fig-accuracy", "fig-energy", "fig-timeline")


def _fill(store, case, *, ok=True, bad=True):
    if ok:
        for sc in ("mixed.yaml", "convs.yaml"):
            for sched in ("edf", "fcfs"):
                for scale in (1.0, 2.0, 4.0):
                    cfg = point(case, scenario=sc, scheduler=sched, load_scale=scale)
                    cfg["point_id"] = point_id(cfg)
                    store.write_row(run_point(cfg, base_dir=str(case), grid=str(case / "g.yaml")))
    if bad:
        cfg = point(case, scenario="gone.yaml")
        cfg["point_id"] = point_id(cfg)
        store.write_row(run_point(cfg, base_dir=str(case)))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    case = write_case(tmp_path_factory.mktemp("case"))
    store = ResultStore(case / "results")
    _fill(store, case)
    rep = build_report(store.root, case / "out" / "report.html")
    return rep, rep.html.read_text()


def test_report_has_every_section_and_figure(report):
    rep, text = report
    assert rep.figures == list(FIGURES)
    for fid in FIGURES:
        assert f'<figure id="{fid}"><img class="plot"' in text
    assert text.count('<img class="plot"') == len(FIGURES)
    for table in ("headline", "per-scenario", "errors"):
        assert f'<table id="{table}">' in text
    headline = text.split('<table id="headline">')[1].split("</table>")[0]
    assert "<td>edf</td><td>6</td><td>1</td>" in headline
    assert "<td>fcfs</td><td>6</td><td>0</td>" in headline
    assert "13 point(s)" in text and "gone.yaml" in text


def test_report_is_self_contained(report):
    _, text = report
    srcs = re.findall(r'src="([^"]*)"', text)
    assert len(srcs) == len(FIGURES)
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert re.findall(r'href="([^"]*)"', text) == ["report.trace.json"]
    assert "http://" not in text and "https://" not in text


def test_trace_of_the_representative_point_is_written_alongside(report):
    rep, text = report
    assert rep.trace == rep.html.parent / "report.trace.json"
    trace = json.loads(rep.trace.read_text())
    assert trace["otherData"]["scheduler"] in ("edf", "fcfs")
    assert any(e.get("ph") == "X" for e in trace["traceEvents"])
    pid = re.search(r"Point <code>([0-9a-f]{16})</code>", text).group(1)
    assert (rep.html.parent.parent / "results" / "runs" / f"{pid}.parquet").exists()


def test_report_of_errors_only_and_report_command(tmp_path, capsys):
    case = write_case(tmp_path)
    store = ResultStore(tmp_path / "results")
    _fill(store, case, ok=False)
    out = tmp_path / "r.html"
    assert main(["report", str(store.root), "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    assert "No point ran successfully" in text and "<img" not in text
    assert not (tmp_path / "r.trace.json").exists()
    assert main(["report", str(tmp_path / "empty"), "--out", str(out)]) == 2


def _chromium(*args, tmp_path):
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium (bash scripts/install_browser.sh)"
)
def test_report_renders_in_headless_chromium(report, tmp_path):
    from matplotlib.image import imread

    rep, _ = report
    url = rep.html.resolve().as_uri()
    shot = tmp_path / "shot.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=1280,2000", url, tmp_path=tmp_path)
    assert shot.exists(), run.stderr[-2000:]
    img = imread(shot)
    assert img.shape[:2] == (2000, 1280)
    rgb = np.round(img[..., :3] * 255).astype(np.int64)
    colors = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
    assert len(colors) > 100, "screenshot looks blank"
    assert (rgb.sum(axis=-1) < 3 * 250).mean() > 0.02, "screenshot is almost all white"
    # matplotlib's first two series colours (tab10 blue and orange) come only from the plots
    for colour in ((31, 119, 180), (255, 127, 14)):
        assert (np.abs(rgb - colour).sum(axis=-1) <= 6).sum() > 200, f"no plot colour {colour}"

    dom = _chromium("--dump-dom", url, tmp_path=tmp_path).stdout
    assert "<h1>terastal sweep report</h1>" in dom
    imgs = re.findall(r'<img class="plot" alt="([^"]*)" src="data:image/png;base64,', dom)
    assert len(imgs) == len(FIGURES) and "schedule timeline" in imgs
    for fid in FIGURES:
        assert f'id="{fid}"' in dom
    assert 'id="headline"' in dom and 'href="report.trace.json"' in dom
