from htpy import a, body, head, header, html, link, main, meta, nav, style
from markupsafe import Markup

CSS = Markup("""
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; background: #f5f5f7; color: #1d1d1f; }
header { display: flex; gap: 18px; align-items: center; padding: 14px 28px; background: #fff;
  border-bottom: 1px solid #e5e5ea; }
header strong { margin-right: auto; font-size: 18px; }
header a { color: #3a3aa8; text-decoration: none; }
header a[aria-current="page"] { font-weight: 700; }
main { max-width: 960px; margin: 28px auto; padding: 0 24px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 18px; }
figure { margin: 0; background: #fff; border-radius: 14px; overflow: hidden;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }
figcaption { padding: 10px 14px; color: #555; }
.swatch { height: 150px; } .swatch.large { height: 340px; }
.grid a { color: inherit; text-decoration: none; }
.backdrop { position: fixed; inset: 0; background: rgba(20, 20, 30, .55); z-index: 10; }
.modal { position: fixed; top: 50%; left: 50%; transform: translate(-50%, -50%); z-index: 11;
  width: min(560px, 92vw); border: 0; border-radius: 16px; padding: 24px;
  box-shadow: 0 20px 60px rgba(0,0,0,.3); margin: 0; }
.close { position: absolute; top: 10px; right: 12px; border: 0; background: none; font-size: 24px;
  cursor: pointer; }
form { display: grid; gap: 10px; } input, button.primary { padding: 9px 12px; font: inherit;
  border-radius: 8px; border: 1px solid #ccc; } button.primary { background: #3a3aa8; color: #fff; border: 0; }
.nav a { margin-right: 12px; color: #3a3aa8; }
""")

# The head of every page: a page's title goes into the template (docs/metadata.md).
metadata = {
    "metadataBase": "https://gallery.example",
    "title": {"template": "%s · Gallery", "default": "Gallery"},
    "description": "Photos that open in a modal with a URL of their own.",
}


def layout(children, modal, auth):
    return html(lang="en")[
        head[meta(charset="utf-8"), style[CSS],
             link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
        body[
            header[
                Markup("<strong>Gallery</strong>"),
                nav[a("#nav-home", href="/")["Photos"], " ", a("#nav-about", href="/about")["About"],
                    " ", a("#nav-login", href="/login")["Log in"]],
            ],
            main[children],
            modal,
            auth,
        ],
    ]
