from app._lib.ui import list_skeleton


def loading():
    return list_skeleton()
