"""Plots with matplotlib (imported here, on first use of ``annlab.plot``): the chapter's
dashboard picture.

- ``network``: the network diagram at one epoch -- circles for nodes, a coloured line per
  connection -- with the chapter's three toggles: ``weights`` (each λ(i,j)), ``forward``
  (each node's input and output, each connection's contribution λ(i,j)·out_i) and
  ``backprop`` (each dL/dλ and each node's dL/d(input), with a small arrow pointing back).
- ``convergence``: panels against epoch on a log axis -- the prediction with the target
  dashed, every weight, every bias, the loss -- or, for a training history without probe
  rows, the losses and metrics.
- ``dashboard``: both, the diagram above the panels, the epoch marked.

Each takes a ``Trace``, a ``TraceHistory`` (``annlab.chapter()``, ``History.probes``), a
``History`` or a fitted estimator (its ``history_``), and returns matplotlib objects.
"""

from __future__ import annotations

import numpy as np

try:
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("annlab.plot needs matplotlib (Debian: apt install python3-matplotlib)") \
        from e

from ._history import History, TraceHistory
from ._network import Trace

__all__ = ["network", "convergence", "dashboard"]

_POSITIVE, _NEGATIVE = "tab:blue", "tab:red"


def _trace_history(source) -> TraceHistory | None:
    """The traced states behind a source (None for a history without probe rows)."""
    if isinstance(source, TraceHistory):
        return source
    if isinstance(source, History):
        return source.probes
    history = getattr(source, "history_", None)
    if isinstance(history, History):
        return history.probes
    return None


def _state(source, epoch):
    """(trace, epoch) for a source at an epoch (the last recorded when None)."""
    if isinstance(source, Trace):
        return source, epoch
    states = _trace_history(source)
    if states is None or len(states) == 0:
        raise ValueError("no traced states to draw: train with probe_rows=(...) (or use "
                         "annlab.chapter()) so that the history records full traces")
    if epoch is None:
        epoch = int(states.epochs[-1])
    return states.at(epoch), epoch


def _positions(widths):
    """Node centres: layer l at x = l, its nodes spread evenly around y = 0."""
    tallest = max(widths)
    pos = []
    for l, w in enumerate(widths):
        ys = (np.arange(w) - (w - 1) / 2.0) * (tallest / max(w, 1)) if w > 1 else np.zeros(1)
        pos += [(float(l), float(-y)) for y in ys]
    return np.array(pos)


def network(source, epoch=None, *, row=0, weights=True, forward=True, backprop=True, ax=None,
            max_labels=80, digits=3):
    """Draws the network at ``epoch`` with the chapter's three toggles.

    Lines are blue for positive weights and red for negative, their width grows with |λ|.
    Labels are drawn while there are at most ``max_labels`` connections (a wide network is
    drawn without them). Returns the Axes.
    """
    trace, epoch = _state(source, epoch)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.5))
    single = trace.single

    def per_row(name):
        v = getattr(trace, name)
        return v if single else v[row]

    node_in, node_out = per_row("node_in"), per_row("node_out")
    d_in, d_w = per_row("dL_dnode_in"), per_row("dL_dweights")
    widths = trace.widths
    pos = _positions(widths)
    index_of = {int(i): k for k, i in enumerate(trace.node_ids)}
    labelled = len(trace.weight_names) <= max_labels
    fmt = f"{{:.{digits}f}}"
    big = max(float(np.max(np.abs(trace.weights))), 1e-12)

    for k, (i, j) in enumerate(zip(trace.weight_from, trace.weight_to)):
        (x0, y0), (x1, y1) = pos[index_of[int(i)]], pos[index_of[int(j)]]
        w = float(trace.weights[k])
        ax.add_line(Line2D([x0, x1], [y0, y1], color=_POSITIVE if w >= 0 else _NEGATIVE,
                           linewidth=0.5 + 3.0 * abs(w) / big, alpha=0.8, zorder=1,
                           gid=f"connection {trace.weight_names[k]}"))
        if not labelled:
            continue
        at = lambda t: (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        if weights:
            ax.text(*at(0.3), f"{trace.weight_names[k]}={fmt.format(w)}", fontsize=7,
                    ha="center", va="bottom", color="0.15", gid="weight label", zorder=3)
        if forward:
            contribution = w * float(node_out[index_of[int(i)]])
            ax.text(*at(0.72), f"{fmt.format(contribution)}", fontsize=7, ha="center",
                    va="bottom", color="tab:green", gid="contribution label", zorder=3)
        if backprop:
            x, y = at(0.5)
            ax.annotate("", xy=at(0.42), xytext=at(0.58),
                        arrowprops=dict(arrowstyle="->", color="tab:purple", lw=0.8),
                        gid="gradient arrow", zorder=3)
            ax.text(x, y, f"∂L/∂λ={d_w[k]:.2e}", fontsize=6.5, ha="center", va="top",
                    color="tab:purple", gid="gradient label", zorder=3)

    radius = 0.12  # in data units along y, for placing labels
    ax.scatter(pos[:, 0], pos[:, 1], s=700, facecolor="white", edgecolor="0.2", zorder=4,
               gid="nodes")
    bias_of = {int(n): k for k, n in enumerate(trace.bias_nodes)}
    for k, name in enumerate(trace.node_names):
        x, y = pos[k]
        ax.text(x, y, name, ha="center", va="center", fontsize=8, zorder=5)
        if not labelled:
            continue
        if weights and int(trace.node_ids[k]) in bias_of:
            b = bias_of[int(trace.node_ids[k])]
            label = f"{trace.bias_names[b]}={fmt.format(trace.biases[b])}"
            ax.text(x + 0.09, y + radius * 0.6, label, ha="left", va="bottom", fontsize=7,
                    color="0.15", zorder=5, gid="bias label")
        if forward:
            label = f"in {fmt.format(node_in[k])}\nout {fmt.format(node_out[k])}"
            ax.text(x, y + radius * 1.3, label, ha="center", va="bottom", fontsize=7,
                    color="tab:green", zorder=5, gid="node value label")
        if backprop:
            ax.text(x, y - radius * 1.3, f"∂L/∂in {d_in[k]:.2e}", ha="center", va="top",
                    fontsize=6.5, color="tab:purple", zorder=5, gid="node gradient label")

    pred = np.atleast_1d(per_row("prediction"))
    target = np.atleast_1d(per_row("target"))
    loss = float(trace.loss if single else trace.loss[row])
    head = f"epoch {epoch}: " if epoch is not None else ""
    shown = ", ".join(fmt.format(v) for v in pred[:4]) + (" ..." if len(pred) > 4 else "")
    wanted = ", ".join(fmt.format(v) for v in target[:4]) + (" ..." if len(target) > 4 else "")
    ax.set_title(f"{head}prediction {shown} (target {wanted}), loss {loss:.3e}", fontsize=10)
    ax.set_xlim(-0.5, len(widths) - 0.5)
    span = np.abs(pos[:, 1]).max() + 0.6
    ax.set_ylim(-span, span)
    ax.set_aspect("auto")
    ax.axis("off")
    return ax


def _log_epochs(ax):
    ax.set_xscale("symlog", linthresh=1.0)  # log, with epoch 0 (the initial state) shown
    ax.set_xlim(left=0)
    ax.set_xlabel("epoch")
    ax.grid(True, which="both", alpha=0.3)


def convergence(source, *, axes=None, row=0, mark=None):
    """Convergence panels against epoch (log axis). For traced states: prediction (target
    dashed), weights, biases, loss. For a training history without them: training and
    validation loss, then each metric. ``mark`` draws a vertical line at that epoch.
    Returns the array of Axes."""
    states = _trace_history(source)
    if states is not None and len(states) > 0:
        frame = states.frame()
        first = states.traces[0]
        epochs = frame.index.to_numpy()
        if axes is None:
            _, axes = plt.subplots(1, 4, figsize=(15, 3.4))
        axes = np.ravel(axes)
        outputs = [c for c in frame.columns if c.endswith(f"[{row}]")]
        for k, c in enumerate(outputs):
            line, = axes[0].plot(epochs, frame[c], label=c.split("[")[0])
            target = np.atleast_2d(first.target)[row, k]
            axes[0].axhline(target, linestyle="--", color=line.get_color(), linewidth=1)
        axes[0].set_title("prediction (target dashed)")
        for name in first.weight_names:
            axes[1].plot(epochs, frame[name], linewidth=1)
        axes[1].set_title("weights")
        for name in first.bias_names:
            axes[2].plot(epochs, frame[name], linewidth=1)
        axes[2].set_title("biases")
        axes[3].plot(epochs, frame["loss"], color="k")
        axes[3].set_yscale("log")
        axes[3].set_title("loss")
    else:
        history = source if isinstance(source, History) else getattr(source, "history_", None)
        if not isinstance(history, History):
            raise TypeError("convergence: expected a TraceHistory, a History or a fitted "
                            "estimator")
        metrics = sorted(set(history.train_metrics) | set(history.validation_metrics))
        if axes is None:
            _, axes = plt.subplots(1, 1 + len(metrics), figsize=(4.2 * (1 + len(metrics)), 3.4))
        axes = np.ravel(axes)
        axes[0].plot(history.epoch, history.train_loss, label="train")
        if np.any(np.isfinite(history.validation_loss)):
            axes[0].plot(history.epoch, history.validation_loss, label="validation")
        axes[0].set_yscale("log")
        axes[0].set_title("loss")
        axes[0].legend(fontsize=8)
        for ax, m in zip(axes[1:], metrics):
            if m in history.train_metrics:
                ax.plot(history.epoch, history.train_metrics[m], label="train")
            if m in history.validation_metrics:
                ax.plot(history.epoch, history.validation_metrics[m], label="validation")
            ax.set_title(m)
            ax.legend(fontsize=8)
    for ax in axes:
        _log_epochs(ax)
        if mark is not None:
            ax.axvline(mark, color="0.4", linestyle=":", linewidth=1, gid="epoch marker")
    return axes


def dashboard(source, epoch=None, *, row=0, weights=True, forward=True, backprop=True):
    """The chapter's dashboard: the diagram at ``epoch`` (toggles as in ``network``) above
    the convergence panels, with the epoch marked. Returns the Figure."""
    trace, epoch = _state(source, epoch)
    fig = plt.figure(figsize=(15, 9))
    grid = fig.add_gridspec(2, 4, height_ratios=[2.2, 1])
    network(trace, epoch, row=row, weights=weights, forward=forward, backprop=backprop,
            ax=fig.add_subplot(grid[0, :]))
    convergence(source, axes=[fig.add_subplot(grid[1, k]) for k in range(4)], row=row,
                mark=epoch)
    fig.tight_layout()
    return fig
