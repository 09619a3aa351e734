"""Tables (measured, lower bound, ratio) and the Active-over-time plot of a scale run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scale import bounds

GOALS = {
    "create_all_active_ratio_at_1000": 1.3,
    "create_calls_per_flowlog": 1.2,
    "peak_rss_mb_at_3000": 150.0,
    "idle_cpu_pct_at_3000": 2.0,
}


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ratio(measured: Any, bound: Any) -> str:
    if measured is None or not bound:
        return "-"
    return f"{measured / bound:.2f}x"


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def _table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [title, _row(header, widths), _row(["-" * w for w in widths], widths)]
    lines += [_row(r, widths) for r in rows]
    return "\n".join(lines)


def _actions(phase: dict[str, Any]) -> str:
    per = phase.get("cloud_calls_per_flowlog_by_action") or {}
    return " ".join(
        f"{a.replace('FlowLogs', '').replace('FlowLog', '')}={v:.2f}" for a, v in sorted(per.items())
    )


def tables(document: dict[str, Any]) -> str:
    out = []
    runs = [r for r in document["runs"] if r]
    create_rows, delete_rows, idle_rows, restart_rows = [], [], [], []
    for run in runs:
        who = f"{run['label']} N={run['n']}"
        if c := run.get("create"):
            b = c["bound"]
            create_rows.append(
                [
                    who,
                    _fmt(c.get("all_active_s"), 1),
                    _fmt(b["all_active_s"], 1),
                    _ratio(c.get("all_active_s"), b["all_active_s"]),
                    _fmt(b["all_active_window_s"], 1),
                    _fmt(c.get("latency_p50_s"), 1),
                    _fmt(b["p50_s"], 1),
                    _fmt(c.get("latency_p99_s"), 1),
                    _fmt(b["p99_s"], 1),
                    _fmt(c["cloud_calls_per_flowlog"]),
                    _ratio(c["cloud_calls_per_flowlog"], b["calls_per_flowlog"]),
                    _actions(c),
                    str(c["throttled"]),
                    _fmt(c["apiserver_writes_per_flowlog"]),
                    _fmt(c["operator_cpu_s"], 1),
                    _fmt(c["operator_peak_rss_mb"], 0),
                    _fmt(c.get("active_via_list")),
                ]
            )
        if d := run.get("delete"):
            b = d["bound"]
            delete_rows.append(
                [
                    who,
                    _fmt(d.get("all_gone_s"), 1),
                    _fmt(b["all_gone_s"], 1),
                    _ratio(d.get("all_gone_s"), b["all_gone_s"]),
                    _fmt(d.get("latency_p50_s"), 1),
                    _fmt(d.get("latency_p99_s"), 1),
                    _fmt(d["cloud_calls_per_flowlog"]),
                    _actions(d),
                    str(d["throttled"]),
                    _fmt(d["apiserver_writes_per_flowlog"]),
                    _fmt(d["operator_cpu_s"], 1),
                    _fmt(d["operator_peak_rss_mb"], 0),
                    str(d.get("left_in_cloud")),
                    _fmt(d.get("deleted_via_list")),
                ]
            )
        if i := run.get("idle"):
            b = i["bound"]
            idle_rows.append(
                [
                    who,
                    _fmt(i["resync_s"], 0),
                    _fmt(i["cloud_calls_per_period"], 1),
                    _fmt(b["calls_per_period"], 0),
                    _ratio(i["cloud_calls_per_period"], b["calls_per_period"]),
                    _fmt(i["apiserver_writes_per_period"], 1),
                    _fmt(i["operator_cpu_pct_of_core"], 2),
                    _fmt(i["operator_peak_rss_mb"], 0),
                ]
            )
        if r := run.get("restart"):
            restart_rows.append(
                [
                    who,
                    _fmt(r["operator_ready_s"], 1),
                    _fmt(r["elapsed_s"], 1),
                    str(r["cloud_calls_total"]),
                    _fmt(r["bound"]["calls_per_period"], 0),
                    _actions(r),
                    str(r["throttled"]),
                    _fmt(r["apiserver_writes_total"], 0),
                ]
            )
    if create_rows:
        out.append(
            _table(
                "CREATE: N FlowLogs applied at once, until all Active (times in s; bound = emulator token "
                "bucket + activation delay; window = stricter sliding-window reading; via list = Active "
                "times taken from Ready lastTransitionTime, the watch not having delivered them)",
                [
                    "run",
                    "all",
                    "bound",
                    "ratio",
                    "window",
                    "p50",
                    "bound",
                    "p99",
                    "bound",
                    "calls/FL",
                    "ratio",
                    "by action",
                    "throttled",
                    "writes/FL",
                    "cpu s",
                    "peak MB",
                    "via list",
                ],
                create_rows,
            )
        )
    if delete_rows:
        out.append(
            _table(
                "DELETE: every FlowLog deleted at once, until all gone (via list = deletions seen as "
                "absence from a list, the watch not having delivered them)",
                [
                    "run",
                    "all",
                    "bound",
                    "ratio",
                    "p50",
                    "p99",
                    "calls/FL",
                    "by action",
                    "throttled",
                    "writes/FL",
                    "cpu s",
                    "peak MB",
                    "left",
                    "via list",
                ],
                delete_rows,
            )
        )
    if idle_rows:
        out.append(
            _table(
                "IDLE: all N settled (per resync period; bound = one region list, 50 a page)",
                ["run", "resync", "calls", "bound", "ratio", "writes", "cpu % core", "peak MB"],
                idle_rows,
            )
        )
    if restart_rows:
        out.append(
            _table(
                "RESTART: operator started over N settled objects (until 5 s without a cloud call)",
                ["run", "ready s", "window s", "calls", "bound", "by action", "throttled", "writes"],
                restart_rows,
            )
        )
    return "\n\n".join(out)


def plot(document: dict[str, Any], path: Path) -> Path | None:
    runs = [r for r in document["runs"] if r and r.get("create") and r["label"] in {"batched", "baseline"}]
    if not runs:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted({r["n"] for r in runs})
    fig, axes = plt.subplots(1, len(sizes), figsize=(5.5 * len(sizes), 4), squeeze=False)
    colours = {"batched": "tab:blue", "baseline": "tab:orange"}
    for ax, n in zip(axes[0], sizes, strict=True):
        for run in (r for r in runs if r["n"] == n):
            times = run["create"]["active_times_s"]
            ax.step(
                [0.0, *times],
                list(range(len(times) + 1)),
                where="post",
                color=colours[run["label"]],
                label=f"{run['label']} ({'all in ' + format(times[-1], '.0f') + ' s' if times else 'none'})",
            )
        curve = bounds.active_curve(n, bounds.Limits())
        ax.plot([t for t, _ in curve], [c for _, c in curve], "k--", linewidth=1, label="lower bound")
        ax.set_title(f"N = {n}: FlowLogs Active after applying all at once")
        ax.set_xlabel("seconds since apply")
        ax.set_ylabel("FlowLogs Active")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
