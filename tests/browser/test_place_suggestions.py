"""A place suggestion fills the name that was picked: the Arabic one when it was typed in
Arabic, the Latin one otherwise; the search understands both."""


def test_picking_an_arabic_suggestion_fills_the_arabic_name(page):
    page.goto("/departs/")
    page.locator("input[name=destination]").press_sequentially("سوس", delay=40)
    option = page.locator("#id_destination-suggestions [role=option]", has_text="سوسة").first
    option.wait_for()
    option.click()
    assert page.input_value("input[name=destination]") == "سوسة"
    # Typed in Latin letters, the same suggestion fills the Latin name.
    page.fill("input[name=destination]", "")
    page.locator("input[name=destination]").press_sequentially("Souss", delay=40)
    latin = page.locator("#id_destination-suggestions [role=option]", has_text="Sousse").first
    latin.wait_for()
    latin.click()
    assert page.input_value("input[name=destination]") == "Sousse"
