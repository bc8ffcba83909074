"""A place suggestion fills the name that was picked: the Arabic one when it was typed or
clicked in Arabic, the Latin one otherwise; the search understands both."""


def test_picking_an_arabic_suggestion_fills_the_arabic_name(page):
    page.goto("/departs/")
    page.locator("input[name=destination]").press_sequentially("سوس", delay=40)
    option = page.locator("#id_destination-suggestions [role=option]", has_text="سوسة").first
    option.wait_for()
    option.click()
    assert page.input_value("input[name=destination]") == "سوسة"
    # Clicking the Arabic name of a suggestion typed in Latin letters fills the Arabic name too.
    page.fill("input[name=origin]", "")
    page.locator("input[name=origin]").press_sequentially("Tuni", delay=40)
    arabic = page.locator("#id_origin-suggestions .suggestion-ar", has_text="تونس").first
    arabic.wait_for()
    arabic.click()
    assert page.input_value("input[name=origin]") == "تونس"
    # A Latin name clicked stays Latin.
    page.fill("input[name=destination]", "")
    page.locator("input[name=destination]").press_sequentially("Souss", delay=40)
    latin = page.locator("#id_destination-suggestions .suggestion-name", has_text="Sousse").first
    latin.wait_for()
    latin.click()
    assert page.input_value("input[name=destination]") == "Sousse"
