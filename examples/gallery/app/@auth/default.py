def default():
    return None
