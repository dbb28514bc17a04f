# The modal closes on any navigation it does not match.
STICKY = False


def default():
    return None
