# Beyond Next.js: the modal closes on any navigation it does not match, with no catch-all.
STICKY = False


def default():
    return None
