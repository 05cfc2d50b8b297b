"""HTML printouts to PDF with WeasyPrint, strictly offline."""

from __future__ import annotations

from ..errors import OutputError


class PdfUnavailable(OutputError):
    """WeasyPrint or the system libraries it needs (Pango, HarfBuzz) cannot be loaded."""


def render_pdf(html_text: str) -> bytes:
    """The PDF of one printout. Never fetches anything: templates inline all they need."""
    # Imported here so HTML output keeps working on machines where WeasyPrint can't load.
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            f"PDF output needs WeasyPrint and its system libraries (Pango), which could not "
            f"be loaded: {exc}. The HTML printouts are unaffected; use --no-pdf to skip PDFs."
        ) from exc
    document = weasyprint.HTML(string=html_text, url_fetcher=_refuse_fetch).render()
    return document.write_pdf()


def _refuse_fetch(url: str, *args, **kwargs):
    # A stray external URL in a template must fail loudly, not phone home or hang offline.
    raise ValueError(f"printouts load nothing from outside; refused {url}")
