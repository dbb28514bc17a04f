from htpy import div, main, script, section
from markupsafe import Markup

# Escape closes the compose modal the way Back does (the modal's URL is its own).
ESCAPE = Markup("""document.addEventListener("keydown", function (e) {
  if (e.key === "Escape" && document.querySelector("dialog[data-modal][open]")) history.back();
});""")


def layout(children, folders, list, modal):
    return div(".app")[
        div(".sidebar")[folders],
        section(".list", aria_label="Messages")[list],
        main(".reader")[children],
        modal,
        script[ESCAPE],
    ]
