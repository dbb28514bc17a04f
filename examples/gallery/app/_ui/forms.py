from htpy import button, form, input, label


def login_form():
    return form(method="post", action="/login")[
        label["Email ", input(name="email", type="email", required=True, value="ada@example.com")],
        button(".primary", type="submit")["Log in"],
    ]
