"""HTML printouts to PDF with WeasyPrint, strictly offline.

A printout may come in parts (one per staff member, room, or ten pages of patient cards):
each part is laid out on its own, so page numbers count within it, and the parts' pages are
written as one PDF. Large printouts are laid out in several processes, one per core.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import signal
import threading

from ..errors import OutputError
from ..machine import available_cores

# Below this much HTML, starting worker processes (about a second each) costs more than it saves.
PARALLEL_MIN_CHARS = 400_000
# A batch is the parts one process lays out and writes as one PDF; each PDF pays a fixed
# cost for subsetting the fonts, so batches stay large.
BATCH_MIN_CHARS = 200_000


class PdfUnavailable(OutputError):
    """WeasyPrint or the system libraries it needs (Pango, HarfBuzz) cannot be loaded."""


def _weasyprint():
    # Imported here so HTML output keeps working on machines where WeasyPrint can't load.
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            f"PDF output needs WeasyPrint and its system libraries (Pango), which could not "
            f"be loaded: {exc}. The HTML printouts are unaffected; use --no-pdf to skip PDFs."
        ) from exc
    return weasyprint


def render_pdf(html_text: str) -> bytes:
    """The PDF of one printout. Never fetches anything: templates inline all they need."""
    return _render_batch([html_text])


def render_pdfs(printouts: dict[str, list[str]], workers: int | None = None,
                parallel_min_chars: int = PARALLEL_MIN_CHARS) -> dict[str, bytes]:
    """One PDF per printout, from its HTML parts in order; in `workers` processes when large.

    workers: None means one per available core.
    """
    _weasyprint()  # a missing WeasyPrint is reported here, not from inside a worker
    workers = workers or available_cores()
    total = sum(len(h) for parts in printouts.values() for h in parts)
    if workers <= 1 or total < parallel_min_chars:
        return {name: _render_batch(parts) for name, parts in printouts.items()}

    per_batch = max(BATCH_MIN_CHARS, total // (4 * workers))
    tasks = [(name, i, batch) for name, parts in printouts.items()
             for i, batch in enumerate(_batches(parts, per_batch))]
    # A printout in one part (the report) cannot be shared out, so it starts first; then
    # the longest first, so no long batch starts last while the other process idles.
    tasks.sort(key=lambda t: (len(printouts[t[0]]) > 1, -sum(len(h) for h in t[2])))
    pool = _context().Pool(min(workers, len(tasks)), initializer=_ignore_sigint)
    try:
        results = pool.map(_render_batch, [t[2] for t in tasks], chunksize=1)
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C or a failure: stop the other batches now
        raise
    finally:
        pool.join()
    pieces: dict[str, list[tuple[int, bytes]]] = {name: [] for name in printouts}
    for (name, i, _), data in zip(tasks, results):
        pieces[name].append((i, data))
    return {name: _join([data for _, data in sorted(pieces[name])]) for name in printouts}


def _context():
    # fork starts at once with WeasyPrint loaded and needs no importable __main__, but is
    # unsafe while other threads run (the solver's have ended by now; check anyway).
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _batches(parts: list[str], per_batch: int) -> list[list[str]]:
    """Consecutive runs of parts of about per_batch characters each."""
    batches: list[list[str]] = [[]]
    size = 0
    for html in parts:
        if batches[-1] and size + len(html) > per_batch:
            batches.append([])
            size = 0
        batches[-1].append(html)
        size += len(html)
    return batches


# Python's cyclic GC rescans every live object each time it runs; a batch keeps all its laid-out
# documents alive until the PDF is written, so with the default thresholds GC took a third of
# the CPU of a staff batch. Collecting rarely during a batch cuts that to a few percent.
BATCH_GC_THRESHOLD = (50_000, 20, 100)


def _render_batch(parts: list[str]) -> bytes:
    weasyprint = _weasyprint()
    saved = gc.get_threshold()
    gc.set_threshold(*BATCH_GC_THRESHOLD)
    try:
        documents = [weasyprint.HTML(string=h, url_fetcher=_refuse_fetch).render() for h in parts]
        pages = [page for document in documents for page in document.pages]
        return documents[0].copy(pages).write_pdf()
    finally:
        gc.set_threshold(*saved)


def _join(pdfs: list[bytes]) -> bytes:
    if len(pdfs) == 1:
        return pdfs[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for data in pdfs:
        writer.append(io.BytesIO(data))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ignore_sigint() -> None:
    # Ctrl-C reaches every process of the terminal; only the parent handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _refuse_fetch(url: str, *args, **kwargs):
    # A stray external URL in a template must fail loudly, not phone home or hang offline.
    raise ValueError(f"printouts load nothing from outside; refused {url}")
