from htpy import div, main, section

# The compose modal closes with Escape through data-panes-dismiss (see _lib/ui.py's modal).


def layout(children, folders, list, modal):
    return div(".app")[
        div(".sidebar")[folders],
        section(".list", aria_label="Messages")[list],
        main(".reader")[children],
        modal,
    ]
