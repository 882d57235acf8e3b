"""Issue 15 in a real browser: the ressursteam flow end to end through the pages, without a
terminal. The teacher submits a case with the adaptations she tried and sees it placed on the
next meeting; the school nurse and Emma's mother see their views of the agenda; the rektor
publishes the agenda, writes the minutes (a second writer's save is a conflict with both texts
kept), approves them and sees every copy sent. An e-mail link opens the page it names after
sign-in. axe-core finds no serious or critical violation on any page visited."""
import re
import time
from email import message_from_bytes
from email.policy import default as default_policy

from test_browser import screenshot_dir, serious_violations

VISITED = []


def check(page, name=None, shots=None):
    """axe-core on the page as it stands; a screenshot when named."""
    VISITED.append(page.url)
    assert serious_violations(page) == [], page.url
    if name and shots:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def new_page(browser):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1100, "height": 800})
    return context, context.new_page()


def sign_in(system, page, name, label="Logg inn som ansatt", land=None):
    user = system.user(name)
    page.goto(system.web.url + (land or "/"))
    page.get_by_role("link", name=label).click()
    page.fill("input[name=sub]", user["email"])
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + re.escape(land or "/") + r"(\?.*)?$"))
    return user


def mails(system):
    folder = system.work / "mail"
    out = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = message_from_bytes(path.read_bytes(), policy=default_policy)
        body = message.get_body(preferencelist=("plain",))
        out.append((message["Delivered-To"], str(message["Subject"]), body.get_content() if body else ""))
    return out


def test_ressursteam_flow_in_the_browser(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)

    # --- The teacher submits a case with the adaptations she tried.
    teacher_context, page = new_page(browser)
    sign_in(system, page, "Guri Solberg")
    assert page.get_by_role("heading", level=2, name="Mine neste møter").is_visible()
    check(page, "home-teacher", shots)
    page.get_by_role("link", name="Meld en sak til ressursteamet").click()
    page.wait_for_url(system.web.url + "/saker/ny")
    check(page)

    # Sent empty: an error summary at the top, linked to the fields; nothing is lost.
    page.get_by_label("Tittel").fill("Emma – lesing og konsentrasjon")
    page.get_by_role("button", name="Send saken").click()
    summary = page.get_by_role("alert")
    assert "Noe må rettes" in summary.inner_text()
    assert page.get_by_label("Tittel").input_value() == "Emma – lesing og konsentrasjon"
    assert page.locator(".feilsammendrag a[href='#concern']").count() == 1
    assert page.locator(".feilsammendrag a[href='#adaptations']").count() == 1
    check(page, "case-form-errors", shots)

    page.get_by_label("Team", exact=True).select_option(label="Ressursteam – Nordby barneskole")
    page.get_by_label("Navngitt: eleven er nevnt med navn", exact=False).check()
    emma = page.locator("#child_id option", has_text="Emma Nordli").get_attribute("value")
    page.get_by_label("Elev (bare for navngitt sak)").select_option(emma)
    page.get_by_label("Trinn").fill("5")
    page.get_by_label("Bekymringen").fill("Leser under forventet nivå og mister konsentrasjonen i lange økter.")
    page.fill("#tiltak_0_hva", "Ekstra lesetrening tre ganger i uken")
    page.fill("#tiltak_0_fra", "september")
    page.fill("#tiltak_0_varighet", "seks uker")
    page.fill("#tiltak_0_resultat", "Litt bedre leseflyt, fortsatt under nivå")
    page.fill("#tiltak_1_hva", "Pauser og korte økter")
    page.fill("#tiltak_1_varighet", "fire uker")
    page.fill("#tiltak_1_resultat", "Bedre konsentrasjon")
    page.get_by_role("button", name="Send saken").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + r"/saker/[0-9a-f-]{36}\?sendt=1$"))
    case_id = re.search(r"/saker/([0-9a-f-]{36})", page.url).group(1)
    assert "Saken er sendt til ressursteamet" in page.locator("main").inner_text()
    # The form of adaptations comes back as a table: one row per adaptation, each in its column.
    rows = page.locator("table[aria-labelledby='tilpasninger'] tbody tr")
    assert rows.count() == 2
    assert [c.strip() for c in rows.nth(0).locator("td").all_inner_texts()] == [
        "1", "Ekstra lesetrening tre ganger i uken", "september", "seks uker", "Litt bedre leseflyt, fortsatt under nivå"]
    assert [c.strip() for c in rows.nth(1).locator("td").all_inner_texts()] == [
        "2", "Pauser og korte økter", "", "fire uker", "Bedre konsentrasjon"]
    check(page)

    # The scheduler places it on the next ressursteam meeting: the page shows it on reload.
    deadline = time.time() + 60
    while ("Ressursteamets møte" not in page.locator("#mote").inner_text()
           or page.locator("#status").inner_text() != "Satt opp på et møte"):
        assert time.time() < deadline, "the case was not placed on a meeting within 60 s"
        time.sleep(1)
        page.reload()
    check(page, "case-placed", shots)
    page.locator("#mote a").click()
    page.wait_for_url(re.compile(r".*/moter/[0-9a-f-]{36}$"))
    meeting_url = page.url
    meeting_id = meeting_url.rsplit("/", 1)[1]
    assert "Emma – lesing og konsentrasjon" in page.locator(".saksliste").inner_text()
    check(page, "meeting-teacher", shots)
    teacher_context.close()

    # --- The school nurse and Emma's mother see their views of the agenda.
    nurse_context, page = new_page(browser)
    sign_in(system, page, "Randi Kvam", land=f"/moter/{meeting_id}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Ressursteam")
    assert page.locator(".saksliste").count() == 1
    nurse_view = page.locator(".saksliste").inner_text()
    check(page, "meeting-nurse", shots)
    assert page.get_by_role("button", name="Send sakslisten nå").count() == 0
    nurse_context.close()

    parent_context, page = new_page(browser)
    sign_in(system, page, "Hilde Nordli", label="Logg inn med ID-porten", land=f"/moter/{meeting_id}")
    parent_view = page.locator("main").inner_text()
    assert "Emma – lesing og konsentrasjon" in parent_view
    check(page, "meeting-parent", shots)
    assert page.get_by_role("button", name="Send sakslisten nå").count() == 0
    parent_context.close()
    assert nurse_view  # (what the nurse sees follows the consent; the page rendered the API's view)

    # --- The rektor publishes the agenda, writes and approves the minutes.
    rektor_context, page = new_page(browser)
    sign_in(system, page, "Frode Nygaard", land=f"/moter/{meeting_id}")
    check(page)
    # The participants are listed; the rektor invites child welfare for Emma's item only
    # ("til hele eller deler av møtet"). Sent without a person: the error is at the field.
    assert "Randi Kvam" in page.locator("#deltakere").inner_text()
    page.get_by_role("link", name="Inviter til hele eller deler av møtet").click()
    page.wait_for_url(f"{system.web.url}/moter/{meeting_id}/deltakere/ny")
    check(page)
    page.get_by_role("button", name="Inviter").click()
    assert "Velg hvem du vil invitere" in page.locator(".feilsammendrag").inner_text()
    assert page.locator("#person[aria-invalid=true]").count() == 1
    check(page)
    vigdis = page.locator("#person option", has_text="Vigdis Aune").get_attribute("value")
    page.get_by_label("Hvem", exact=True).select_option(vigdis)
    emma_item = page.locator("#omfang option", has_text="Emma – lesing og konsentrasjon").get_attribute("value")
    page.get_by_label("Til hele møtet eller én sak").select_option(emma_item)
    page.get_by_role("button", name="Inviter").click()
    page.wait_for_url(re.compile(r".*melding=invitert$"))
    invited = page.locator("#deltakere li", has_text="Vigdis Aune").inner_text()
    assert "bare sak 1" in invited, invited
    check(page, "meeting-invited", shots)

    # The rektor moves this one meeting to 15.00 the same day; a bad date is refused at the field, input kept.
    day = page.get_by_label("Ny dato (åååå-mm-dd)").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day), day
    page.get_by_label("Ny dato (åååå-mm-dd)").fill("5. januar")
    page.get_by_role("button", name="Flytt møtet").click()
    assert "Skriv datoen som åååå-mm-dd" in page.locator(".feilsammendrag").inner_text()
    assert page.get_by_label("Ny dato (åååå-mm-dd)").input_value() == "5. januar"
    check(page)
    page.get_by_label("Ny dato (åååå-mm-dd)").fill(day)
    page.get_by_label("Klokkeslett (tt:mm)").fill("15:00")
    page.get_by_role("button", name="Flytt møtet").click()
    page.wait_for_url(re.compile(r".*melding=flyttet$"))
    assert "kl. 15.00" in page.locator(".fakta").inner_text()

    # Child welfare sees that one item, anonymised: the consent does not name child welfare.
    welfare_context, welfare_page = new_page(browser)
    sign_in(system, welfare_page, "Vigdis Aune", land=f"/moter/{meeting_id}")
    agenda_text = welfare_page.locator(".saksliste").inner_text()
    assert "anonymisert" in agenda_text and "Emma" not in welfare_page.locator("main").inner_text(), agenda_text
    check(welfare_page)
    welfare_context.close()
    page.get_by_role("button", name="Send sakslisten nå").click()
    page.wait_for_url(re.compile(r".*melding=publisert$"))
    assert "Sakslisten sendes ut nå" in page.locator("main").inner_text()
    deadline = time.time() + 60
    while page.locator("#status").inner_text() != "Saksliste sendt ut":
        assert time.time() < deadline, "the agenda was not published within 60 s"
        time.sleep(1)
        page.reload()
    check(page, "meeting-rektor", shots)

    page.get_by_role("link", name="Se referatet").click()
    page.wait_for_url(f"{system.web.url}/moter/{meeting_id}/referat")
    check(page)
    # A second writer has the same form open (a second tab of the same session).
    second = rektor_context.new_page()
    second.goto(page.url)
    page.get_by_label("Drøfting").fill("Lesevansker over tid; tiltakene har hjulpet noe.")
    page.get_by_label("Beslutning", exact=True).select_option("refer_to_ppt")
    page.get_by_label("Beslutningen i tekst").fill("Henvises til PPT for utredning.")
    page.get_by_label("Hva (1)").fill("Sende henvisning til PPT")
    page.get_by_label("Frist (åååå-mm-dd)").first.fill("2027-01-15")
    page.get_by_label("Hvem").first.select_option(label="Meg")
    # Attendance: the nurse was there, the advisor was not.
    page.get_by_label("Randi Kvam").check()
    page.get_by_role("button", name="Lagre utkast").click()
    page.wait_for_url(re.compile(r".*melding=lagret$"))
    assert page.get_by_label("Drøfting").input_value() == "Lesevansker over tid; tiltakene har hjulpet noe."

    second.get_by_label("Drøfting").fill("Den andre skriverens tekst.")
    second.get_by_role("button", name="Lagre utkast").click()
    assert "Noen andre lagret referatet mens du skrev" in second.locator("main").inner_text()
    assert second.get_by_label("Drøfting").input_value() == "Den andre skriverens tekst."
    assert "Lesevansker over tid; tiltakene har hjulpet noe." in second.locator(".sak .konflikt").first.inner_text()
    check(second, "minutes-conflict", shots)
    second.close()

    page.reload()
    assert page.get_by_label("Drøfting").input_value() == "Lesevansker over tid; tiltakene har hjulpet noe."
    check(page, "minutes-draft", shots)
    page.get_by_role("button", name="Godkjenn og send referatet").click()
    page.wait_for_url(re.compile(r".*melding=godkjent$"))
    assert page.locator("#status").inner_text() == "Godkjent"
    assert "Randi Kvam" in page.locator("#til-stede").inner_text()
    assert "Henvises til PPT" in page.locator("main").inner_text()

    # Every copy of the minutes is sent: the delivery table says so.
    deadline = time.time() + 90
    while True:
        rows = page.locator("#utsendinger tbody tr")
        states = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
        if states and all(state == "Sendt" for state in states):
            break
        assert time.time() < deadline, f"the minutes were not all sent within 90 s: {states}"
        time.sleep(1)
        page.reload()
    check(page, "minutes-sent", shots)
    # The follow-up is on the rektor's home page, with its due date.
    page.goto(system.web.url + "/")
    assert "Sende henvisning til PPT, frist 15. januar 2027" in page.locator("#oppfolginger").inner_text()
    check(page, "home-rektor", shots)
    rektor_context.close()

    # --- An e-mail's link opens the page it names, after sign-in.
    links = [re.search(r"https?://\S+", body).group(0) for _, _, body in mails(system) if meeting_id in body]
    assert links, "no e-mail with a link to the meeting"
    link = links[0]
    assert link.startswith(system.web.url + "/v1/meetings/" + meeting_id)
    mail_context, page = new_page(browser)
    page.goto(link)
    assert page.url.startswith(system.web.url + "/logg-inn")
    page.get_by_role("link", name="Logg inn som ansatt").click()
    page.fill("input[name=sub]", system.user("Randi Kvam")["email"])
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + r"/moter/" + meeting_id + r"(/referat)?$"))
    check(page)
    mail_context.close()
    assert len(VISITED) >= 15


def test_pages_answer_not_found_without_saying_whether_it_exists(system, browser):
    context, page = new_page(browser)
    sign_in(system, page, "Randi Kvam")
    for path in ("/saker/00000000-0000-4000-8000-000000000000", "/moter/00000000-0000-4000-8000-000000000000", "/saker/ikke-en-id"):
        response = page.goto(system.web.url + path)
        assert response.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "Siden finnes ikke"
        assert response.headers["cache-control"] == "no-store"
        check(page)
    context.close()


def test_forms_need_the_csrf_token(system, http):
    system.sign_in_http(http, "Guri Solberg")
    answer = http.post(system.web.url + "/saker/ny", data={"title": "x"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 403
    assert "Skjemaet kunne ikke sendes" in answer.text
