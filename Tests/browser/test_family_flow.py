"""Issue 17 in a real browser: a family's own pages. Ella's mother signs in with ID-porten, gives
a consent covering the ressursteam (it waits for Ella's father, who shares parental
responsibility, and comes in force when he gives it too); the teacher's named case about Ella
appears on the mother's page with Ella's part only; the rektor approves the minutes and the
mother reads them; she opens "Hvem har sett opplysninger om barnet mitt" and finds the school
nurse's read of the agenda (service and role, no name); then she withdraws the consent and the
nurse's next view of the agenda no longer names Ella. axe-core on every page visited."""
import re
import time

from test_browser import screenshot_dir
from test_school_flow import check, new_page, sign_in

CASE_TITLE = "Ella – samspill i friminuttene"
DISCUSSION = "Ella trives bedre når friminuttene er organisert."


def citizen(system, page, name, land):
    return sign_in(system, page, name, label="Logg inn med ID-porten", land=land)


def test_family_consents_sees_the_agenda_and_minutes_and_who_read(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)

    # --- Ella's mother: Mine barn, the consent form (errors first), a consent that waits for the father.
    mother_context, page = new_page(browser)
    citizen(system, page, "Mona Vang", "/")
    page.get_by_role("link", name="Mine barn").click()
    page.wait_for_url(system.web.url + "/mine-barn")
    check(page, "family-children", shots)
    page.get_by_role("link", name="Ella Vang").click()
    page.wait_for_url(re.compile(r".*/mine-barn/[0-9a-f-]{36}$"))
    child_url = page.url
    assert "Det er ikke registrert noe samtykke som gjelder" in page.locator("main").inner_text()
    check(page)
    page.get_by_role("link", name="Gi et nytt samtykke").click()
    check(page, "family-consent-form", shots)
    page.get_by_role("button", name="Gi samtykket").click()
    summary = page.locator(".feilsammendrag")
    assert "Kryss av for minst én tjeneste eller ett møte" in summary.inner_text()
    assert page.locator(".feilsammendrag a[href='#services']").count() == 1
    check(page, "family-consent-errors", shots)
    page.get_by_label("Ressursteam – Nordby barneskole").check()
    page.get_by_role("button", name="Gi samtykket").click()
    page.wait_for_url(re.compile(r".*melding=venter$"))
    waiting = page.locator("main").inner_text()
    assert "Venter på: Rune Vang" in waiting
    assert "Det er ikke registrert noe samtykke som gjelder" in waiting
    check(page, "family-consent-waiting", shots)
    mother_context.close()

    # --- The father gives it too: now it is in force.
    father_context, page = new_page(browser)
    citizen(system, page, "Rune Vang", child_url.replace(system.web.url, ""))
    page.get_by_role("button", name="Jeg samtykker også").click()
    page.wait_for_url(re.compile(r".*melding=gitt$"))
    assert "Ressursteam – Nordby barneskole" in page.locator("#samtykke-liste").inner_text()
    assert "digitalt, innlogget med ID-porten" in page.locator("#samtykke-liste").inner_text()
    check(page, "family-consent-in-force", shots)
    father_context.close()

    # --- The teacher submits a named case about Ella; the scheduler places it.
    teacher_context, page = new_page(browser)
    sign_in(system, page, "Guri Solberg", land="/saker/ny")
    page.get_by_label("Team", exact=True).select_option(label="Ressursteam – Nordby barneskole")
    page.get_by_label("Navngitt: eleven er nevnt med navn", exact=False).check()
    ella = page.locator("#child_id option", has_text="Ella Vang").get_attribute("value")
    page.get_by_label("Elev (bare for navngitt sak)").select_option(ella)
    page.get_by_label("Trinn").fill("6")
    page.get_by_label("Tittel").fill(CASE_TITLE)
    page.get_by_label("Bekymringen").fill("Blir ofte alene i friminuttene og kommer lei seg inn.")
    page.fill("#tiltak_0_hva", "Organiserte aktiviteter i storefri")
    page.get_by_role("button", name="Send saken").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + r"/saker/[0-9a-f-]{36}\?sendt=1$"))
    deadline = time.time() + 60
    while page.locator("#status").inner_text() != "Satt opp på et møte":
        assert time.time() < deadline, "the case was not placed on a meeting within 60 s"
        time.sleep(1)
        page.reload()
    meeting_id = re.search(r"/moter/([0-9a-f-]{36})", page.locator("#mote a").get_attribute("href")).group(1)
    teacher_context.close()

    # --- The school nurse reads the agenda: Ella's case by name (the consent covers the ressursteam).
    nurse_context, page = new_page(browser)
    sign_in(system, page, "Randi Kvam", land=f"/moter/{meeting_id}")
    assert CASE_TITLE in page.locator(".saksliste").inner_text()
    nurse_context.close()

    # --- The mother sees the coming meeting with Ella's item only.
    mother_context, page = new_page(browser)
    citizen(system, page, "Mona Vang", child_url.replace(system.web.url, ""))
    meetings = page.locator("#mote-liste").inner_text()
    assert CASE_TITLE in meetings
    assert "Emma" not in meetings and "anonymisert" not in meetings
    check(page, "family-child", shots)

    # --- The rektor publishes the agenda, writes and approves the minutes of Ella's item.
    rektor_context, rektor = new_page(browser)
    sign_in(system, rektor, "Frode Nygaard", land=f"/moter/{meeting_id}")
    if rektor.get_by_role("button", name="Send sakslisten nå").count():
        rektor.get_by_role("button", name="Send sakslisten nå").click()
        rektor.wait_for_url(re.compile(r".*melding=publisert$"))
    deadline = time.time() + 60
    while rektor.locator("#status").inner_text() != "Saksliste sendt ut":
        assert time.time() < deadline, "the agenda was not published within 60 s"
        time.sleep(1)
        rektor.reload()
    rektor.goto(f"{system.web.url}/moter/{meeting_id}/referat")
    item = rektor.locator("section.sak", has_text=CASE_TITLE)
    item.locator("textarea[name^=drofting_]").fill(DISCUSSION)
    item.locator("select[name^=beslutning_]").select_option("close")
    item.locator("textarea[name^=vedtak_]").fill("Skolen fortsetter med organiserte friminutt.")
    rektor.get_by_role("button", name="Lagre utkast").click()
    rektor.wait_for_url(re.compile(r".*melding=lagret$"))
    rektor.get_by_role("button", name="Godkjenn og send referatet").click()
    rektor.wait_for_url(re.compile(r".*melding=godkjent$"))
    rektor_context.close()

    # --- The mother reads the approved minutes of Ella's item on her page.
    page.reload()
    minutes = page.locator("#referat-liste").inner_text()
    assert DISCUSSION in minutes and CASE_TITLE in minutes
    check(page, "family-minutes", shots)

    # --- Innsyn: the nurse's read of the agenda, by service and role, on the consent.
    page.get_by_role("link", name="Hvem har sett opplysninger om barnet mitt").click()
    page.wait_for_url(re.compile(r".*/innsyn$"))
    rows = [page.locator("#innsyn tbody tr").nth(i).inner_text() for i in range(page.locator("#innsyn tbody tr").count())]
    nurse_reads = [row for row in rows if "helsesykepleier" in row and "Saksliste" in row and "Samtykke" in row]
    assert nurse_reads, rows
    assert not any("Randi Kvam" in row for row in rows)
    check(page, "family-innsyn", shots)
    # A period that ends before it begins: the error at the field, the input kept.
    page.get_by_label("Fra dato (år-måned-dag)").fill("2026-12-10")
    page.get_by_label("Til og med dato (år-måned-dag)").fill("2026-12-01")
    page.get_by_role("button", name="Vis perioden").click()
    assert "Til-datoen må være samme dag som eller etter fra-datoen" in page.locator(".feilsammendrag").inner_text()
    assert page.locator(".feilsammendrag a[href='#til']").count() == 1
    assert page.get_by_label("Fra dato (år-måned-dag)").input_value() == "2026-12-10"
    assert page.get_by_label("Til og med dato (år-måned-dag)").input_value() == "2026-12-01"
    check(page, "family-innsyn-errors", shots)

    # --- She narrows it: first takes away everything (an error at the field, her choices kept), then only
    # the health information, and lets it end sooner.
    page.goto(child_url)
    page.get_by_role("link", name="Ta bort noe fra dette samtykket").click()
    check(page, "family-narrow", shots)
    page.get_by_label("Ressursteam – Nordby barneskole").uncheck()
    page.get_by_label("helseopplysninger").uncheck()
    page.get_by_role("button", name="Lagre endringen").click()
    assert "Behold minst én tjeneste eller ett møte" in page.locator(".feilsammendrag").inner_text()
    assert not page.get_by_label("helseopplysninger").is_checked()
    check(page)
    page.get_by_label("Ressursteam – Nordby barneskole").check()
    page.get_by_label("Gjelder til og med (år-måned-dag)").fill("2027-06-30")
    page.get_by_role("button", name="Lagre endringen").click()
    page.wait_for_url(re.compile(r".*melding=endret$"))
    consent = page.locator("#samtykke-liste").inner_text()
    assert "til og med 30. juni 2027" in consent and "helseopplysninger" not in consent
    assert "Ressursteam – Nordby barneskole" in consent

    # --- She withdraws the consent; the nurse's next view of the agenda no longer names Ella.
    page.get_by_role("button", name="Trekk tilbake dette samtykket").click()
    page.wait_for_url(re.compile(r".*melding=trukket$"))
    assert "Det er ikke registrert noe samtykke som gjelder" in page.locator("main").inner_text()
    check(page)
    mother_context.close()

    nurse_context, page = new_page(browser)
    sign_in(system, page, "Randi Kvam", land=f"/moter/{meeting_id}")
    agenda = page.locator("main").inner_text()
    assert CASE_TITLE not in agenda and "Ella" not in agenda
    nurse_context.close()


def test_family_pages_answer_not_found_for_a_child_that_is_not_hers(system, browser):
    context, page = new_page(browser)
    citizen(system, page, "Siri Berget", "/mine-barn")
    check(page)
    for path in ("/mine-barn/00000000-0000-4000-8000-000000000000", "/mine-barn/00000000-0000-4000-8000-000000000000/innsyn",
                 "/mine-barn/ikke-en-id"):
        response = page.goto(system.web.url + path)
        assert response.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "Siden finnes ikke"
    context.close()
