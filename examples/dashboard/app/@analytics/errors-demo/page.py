metadata = {"title": "Errors demo"}


def page():
    # Deliberately broken: @analytics/error.py catches this; the other slots render as usual.
    raise RuntimeError("The analytics backend timed out")
