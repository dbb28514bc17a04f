# The Next.js way to close a modal: a catch-all in its slot that renders nothing, so every
# other URL matches it (an optional one covers / too).
def page():
    return None
