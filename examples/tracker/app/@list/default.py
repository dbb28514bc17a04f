from htpy import a, li, nav, span, ul


def default(state):
    # A slot with only a default keeps its DOM on every soft navigation (its scroll, its
    # focus); an action renders it again. Its links get aria-current when @children shows them.
    return nav(".issues", aria_label="Issues")[ul[(
        li[a(href=f"/issues/{i.key}")[span(".key")[f"#{i.key}"], " ", i.title,
                                      span(f".status.s-{i.status.replace(' ', '-')}")[i.status]]]
        for i in state["store"].issues.values()
    )]]
