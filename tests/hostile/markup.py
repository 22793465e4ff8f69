"""Text that tries to run in a page (stored script injection), and a check that a page runs none of it."""

from __future__ import annotations

from html.parser import HTMLParser

MARK = "PWNED"  # every payload carries it, so a test can see the text is shown (escaped), not dropped
PAYLOADS = (
    f"<script>alert('{MARK}')</script>",
    f"<img src=x onerror=alert('{MARK}')>",
    f'"><svg onload=alert(1)>{MARK}',
    f"' onmouseover='alert(1)' x='{MARK}",
    f"[{MARK} click](javascript:alert(1))",
    f"[{MARK}](JaVaScRiPt:alert(1))",
    f'<a href="javascript:alert(1)">{MARK}</a>',
    f"![{MARK}](https://tracker.invalid/pixel.png)",
    f"<iframe src=//evil.invalid>{MARK}</iframe>",
    f"<details open ontoggle=alert(1)>{MARK}",
    f"<javascript:alert('{MARK}')>",
    f"[{MARK}](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"&lt;script&gt;{MARK}&lt;/script&gt;",
    f"`<b>{MARK}</b>`",
    f"<!-- {MARK} --><style>body{{display:none}}</style>",
    f"| {MARK} | <b>x</b> |\n|---|---|\n| <script>1</script> | y |",
)
RUNNABLE_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "form", "base", "link", "frame", "frameset",
                 "details", "video", "audio", "source", "input", "textarea", "button", "select"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "srcset"}


class _Scan(HTMLParser):
    def __init__(self, allowed_style: tuple[str, ...]):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.allowed_style = allowed_style
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        if tag in RUNNABLE_TAGS:
            self.found.append(f"<{tag}> element")
        self.in_style = tag == "style"
        names = {name for name, _ in attrs}
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> event handler")
            if name in URL_ATTRIBUTES and value.replace("\t", "").replace("\n", "").startswith(("javascript:", "vbscript:", "data:")):
                own_image = tag == "img" and value.startswith("data:image/png;base64,")
                own_download = tag == "a" and "download" in names and value.startswith("data:text/html;base64,")
                if not (own_image or own_download):
                    self.found.append(f"<{tag} {name}={value[:30]}...>")
            if tag == "img" and name == "src" and not value.startswith("data:image/png;base64,"):
                self.found.append(f"<img src={value[:30]}> loads from outside the page")

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style and data.strip() and not any(data.strip() == css.strip() for css in self.allowed_style):
            self.found.append(f"a <style> element the kit did not write: {data.strip()[:40]!r}")


def dangers(page: str, allowed_style: tuple[str, ...] = ()) -> list[str]:
    """What in ``page`` could run, load from outside or restyle it: elements, handlers and URLs the kit never writes."""
    scan = _Scan(allowed_style)
    scan.feed(page)
    scan.close()
    return scan.found
