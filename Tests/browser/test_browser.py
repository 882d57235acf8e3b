"""Sign-in in a real browser (Debian's chromium, driven by playwright): the teacher opens
Samtak, chooses the staff sign-in, types her e-mail at the local provider and is greeted by
name. axe-core finds no serious or critical violation on any page visited. Screenshots go to
the test's work directory, or to docs/ with SAMTAK_UPDATE_SCREENSHOTS=1 (how the ones there
were made)."""
import os

from axe_playwright_python.sync_playwright import Axe

from samtak_system import ROOT


def screenshot_dir(system):
    return ROOT / "docs" if os.environ.get("SAMTAK_UPDATE_SCREENSHOTS") == "1" else system.work / "screenshots"


def serious_violations(page):
    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_teacher_signs_in_and_is_greeted_by_name(system, page):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    page.goto(system.web.url + "/")
    assert page.url == system.web.url + "/logg-inn"
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.get_by_role("heading", level=1).inner_text() == "Logg inn i Samtak"
    assert serious_violations(page) == []
    page.screenshot(path=str(shots / "sign-in-page.png"), full_page=True)

    page.get_by_role("link", name="Logg inn som ansatt").click()
    assert page.url.startswith(system.provider_url + "/oauth2/authorize")
    page.fill("input[name=sub]", system.user("Guri Solberg")["email"])
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(system.web.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hei, Guri Solberg"
    assert "kontaktlærer 5. trinn, Nordby barneskole" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Logg ut av Samtak").is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=str(shots / "sign-in-teacher.png"), full_page=True)
    # The session cookie is not readable by scripts.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["samtak_session"]["httpOnly"] and cookies["samtak_session"]["sameSite"] == "Lax"


def test_keyboard_skip_link_and_visible_focus(system, page):
    system.sign_in_browser(page, "Frode Nygaard")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Hopp til hovedinnholdet"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "hovedinnhold"


def test_sign_out_in_the_browser(system, page):
    system.sign_in_browser(page, "Randi Kvam")
    page.get_by_role("banner").get_by_role("button", name="Logg ut").click()
    # The local provider asks to confirm ending its own session, then sends us back.
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(system.web.url + "/logget-ut")
    assert page.get_by_role("heading", level=1).inner_text() == "Du er logget ut"
    assert serious_violations(page) == []
    page.goto(system.web.url + "/")
    assert page.url == system.web.url + "/logg-inn"


def test_error_pages_are_accessible(system, page):
    page.goto(system.web.url + "/finnes-ikke")
    assert page.get_by_role("heading", level=1).inner_text() == "Siden finnes ikke"
    assert serious_violations(page) == []
    page.goto(system.web.url + "/logg-inn/ansatt/callback?state=x&code=y")
    assert page.get_by_role("heading", level=1).inner_text() == "Innloggingen kunne ikke fullføres"
    assert serious_violations(page) == []
