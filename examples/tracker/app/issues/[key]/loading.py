from htpy import p


def loading():
    return p(".loading")["Loading the issue…"]
