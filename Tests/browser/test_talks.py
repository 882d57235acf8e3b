"""Issue 18 in a real browser: utviklingssamtaler. The contact teacher plans a round for her
class of 25 (the demo's 5th grade), two guardians race for one slot and exactly one gets it,
a guardian books in the browser (with an interpreter) and downloads the talk as iCalendar,
the teacher writes the summary after the talk and it reaches the guardian's page, and the
class report shows who is missing. axe-core finds no serious or critical violation on any
page visited."""
import datetime
import re
import threading

import requests

from test_browser import screenshot_dir, serious_violations
from test_school_flow import check, new_page, sign_in

# The demo's school holidays (DemoMunicipality.schoolHolidays).
HOLIDAYS = [("2026-09-28", "2026-10-02"), ("2026-12-21", "2027-01-01"), ("2027-02-22", "2027-02-26"),
            ("2027-03-22", "2027-03-29"), ("2027-06-21", "2027-07-31")]


def talk_week():
    """A Monday–Friday at least two weeks ahead outside the demo's school holidays."""
    day = datetime.date.today() + datetime.timedelta(days=14)
    while True:
        day += datetime.timedelta(days=(7 - day.weekday()) % 7)
        friday = day + datetime.timedelta(days=4)
        if not any(datetime.date.fromisoformat(a) <= friday and day <= datetime.date.fromisoformat(b) for a, b in HOLIDAYS):
            return day, friday
        day += datetime.timedelta(days=7)


def csrf_and_fields(html):
    csrf = re.search(r'name="_csrf" value="([^"]+)"', html).group(1)
    child = re.search(r'name="child_id" value="([^"]+)"', html).group(1)
    slots = re.findall(r'name="slot_id" value="([^"]+)"', html)
    return csrf, child, slots


def test_talk_round_in_the_browser(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    monday, friday = talk_week()

    # --- The teacher plans a round for her class.
    teacher_context, page = new_page(browser)
    sign_in(system, page, "Guri Solberg")
    page.get_by_role("link", name="Utviklingssamtaler og foreldresamtaler").click()
    page.wait_for_url(system.web.url + "/samtaler")
    check(page)
    page.get_by_role("link", name="Planlegg en samtalerunde").click()
    check(page)
    # Sent without the days: the summary links to the fields, the input stays.
    page.get_by_label("Trinn (0 for barnehage)").fill("5")
    page.get_by_role("button", name="Lag samtaletider").click()
    assert "Noe må rettes" in page.get_by_role("alert").inner_text()
    assert page.locator(".feilsammendrag a[href='#first_day']").count() == 1
    assert page.get_by_label("Trinn (0 for barnehage)").input_value() == "5"
    check(page, "talk-plan-errors", shots)
    # One day of 12:00–13:00 cannot hold 25 pupils: the domain says so in bokmål, at the field.
    page.get_by_label("Første dag").fill(monday.isoformat())
    page.get_by_label("Siste dag").fill(monday.isoformat())
    page.get_by_label("Samtaler fra kl.").fill("12:00")
    page.get_by_label("til kl.", exact=True).first.fill("13:00")
    page.get_by_role("button", name="Lag samtaletider").click()
    assert "25 elever" in page.locator("#first_day-feil").inner_text()
    check(page)
    page.get_by_label("Siste dag").fill(friday.isoformat())
    page.get_by_label("til kl.", exact=True).first.fill("16:00")
    page.get_by_role("button", name="Lag samtaletider").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + r"/samtaler/[0-9a-f-]{36}\?planlagt=1$"))
    round_url = page.url.split("?")[0]
    assert "Samtalene er planlagt" in page.inner_text("main")
    assert "0 av 25 elever har tid" in page.inner_text("main")
    check(page, "talk-round-teacher", shots)

    # --- Two guardians race for the same slot: exactly one gets it.
    sessions = []
    for name in ("Mari Bryn", "Jon Fjell"):
        http = requests.Session()
        landed = system.sign_in_http(http, name, provider="innbygger")
        assert landed.status_code == 200, landed.text[:300]
        sessions.append(http)
    forms = [csrf_and_fields(http.get(round_url, timeout=10).text) for http in sessions]
    contested = forms[0][2][0]
    assert contested == forms[1][2][0]
    results = [None, None]

    def book(index):
        csrf, child, _ = forms[index]
        results[index] = sessions[index].post(round_url + "/bestill", data={"_csrf": csrf, "child_id": child, "slot_id": contested,
                                                                             "pupil_attends": "ja"},
                                              allow_redirects=False, timeout=20)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [303, 409], statuses
    loser = next(r for r in results if r.status_code == 409)
    assert "ble nettopp tatt" in loser.text
    assert system.scalar(f"SELECT count(*) FROM talk_bookings WHERE slot_id = '{contested}'") == "1"

    # --- Emma's mother books in the browser, with an interpreter, and gets the calendar file.
    guardian_context, mother = new_page(browser)
    sign_in(system, mother, "Hilde Nordli", label="Logg inn med ID-porten")
    mother.get_by_role("link", name="Utviklingssamtaler og foreldresamtaler").click()
    mother.get_by_role("link", name=re.compile("Utviklingssamtaler, .* 5. trinn")).click()
    check(mother, "talk-round-guardian", shots)
    assert "Mari Bryn" not in mother.content() and "Aksel" not in mother.content()
    # The contested slot is taken and not offered.
    assert mother.locator(f"input[value='{contested}']").count() == 0
    mother.get_by_role("button", name="Bestill tid").click()
    assert mother.locator("#slot_id-feil").inner_text() == "Velg en ledig samtaletid."
    check(mother)
    mother.locator("input[name=slot_id]").first.check()
    mother.get_by_label("Trenger dere tolk? Skriv språket (valgfritt)").fill("polsk")
    mother.get_by_role("button", name="Bestill tid").click()
    mother.wait_for_url(re.compile(r".*\?bestilt=1$"))
    assert "Samtaletiden er bestilt" in mother.inner_text("main")
    assert "Emma Nordli" in mother.inner_text("#bestillinger") and "tolk på polsk" in mother.inner_text("#bestillinger")
    check(mother, "talk-booked-guardian", shots)
    ics_href = mother.get_by_role("link", name="Last ned i kalenderen (.ics)").get_attribute("href")
    ics = mother.request.get(system.web.url + ics_href)
    assert ics.status == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text() and "Emma" not in ics.text()
    slot_id = ics_href.split("/tider/")[1].split("/")[0]

    # --- The talk is held (its time moved to yesterday, as if the days went by); the teacher writes the summary.
    system.psql(f"UPDATE talk_slots SET starts_at = date_trunc('minute', now() AT TIME ZONE 'Europe/Oslo') - interval '1 day', "
                f"ends_at = date_trunc('minute', now() AT TIME ZONE 'Europe/Oslo') - interval '1 day' + interval '20 minutes' "
                f"WHERE id = '{slot_id}'")
    page.goto(round_url)
    assert "Tolk: polsk" in page.inner_text("#tider")
    page.get_by_role("link", name="Skriv referat for Emma Nordli").click()
    check(page)
    page.get_by_label("Dette gjør skolen").fill("Lesegruppe to ganger i uken.")
    page.get_by_role("button", name="Lagre referatet").click()
    assert page.locator("#agreed_home-feil").is_visible()
    assert page.get_by_label("Dette gjør skolen").input_value() == "Lesegruppe to ganger i uken."
    check(page, "talk-summary-errors", shots)
    page.get_by_label("Dette gjør hjemmet").fill("Leser ti minutter hver kveld.")
    page.get_by_label("Dette gjør eleven").fill("Sier fra når noe er vanskelig.")
    page.get_by_role("button", name="Lagre referatet").click()
    page.wait_for_url(re.compile(r".*\?referat=1$"))

    # --- The summary reaches the mother's page.
    mother.reload()
    booked = mother.inner_text("#bestillinger")
    assert "Dette ble vi enige om" in booked and "Leser ti minutter hver kveld." in booked
    check(mother, "talk-summary-guardian", shots)

    # --- The class report: Emma has had one talk of two, the rest none.
    page.get_by_role("link", name="Se hvem som mangler samtaler dette skoleåret").click()
    missing = page.inner_text("#mangler-liste")
    assert "Emma Nordli: 1 av 2" in missing and "Noah Berget: 0 av 2" in missing
    assert len(page.locator("#mangler-liste li").all()) == 25
    check(page, "talk-report", shots)

    teacher_context.close()
    guardian_context.close()
    for http in sessions:
        http.close()


def test_call_a_meeting_of_an_arena_without_rhythm(system, browser):
    """'Etter behov': the school's rektor calls a meeting from the arena's page; a time in the past is refused at the field."""
    school = system.scalar("SELECT id FROM units WHERE service = 'school' ORDER BY name LIMIT 1")
    arena = system.scalar("SELECT gen_random_uuid()")
    system.psql(f"INSERT INTO arenas (id, name, kind, owner_unit_id, frequency_text) "
                f"VALUES ('{arena}', 'Arbeidsgruppe mot mobbing', 'other', '{school}', 'Etter behov')")
    context, page = new_page(browser)
    sign_in(system, page, "Frode Nygaard")
    page.goto(f"{system.web.url}/arenaer/{arena}")
    assert page.get_by_role("heading", name="Kall inn til møte").is_visible()
    check(page)
    page.get_by_label("Dato").fill("2026-01-05")
    page.get_by_label("Klokkeslett").fill("10:00")
    page.get_by_role("button", name="Kall inn").click()
    assert page.locator("#dato-feil").inner_text() == "Møtet må være fram i tid."
    assert page.get_by_label("Klokkeslett").input_value() == "10:00"
    check(page)
    day = (datetime.date.today() + datetime.timedelta(days=21)).isoformat()
    page.get_by_label("Dato").fill(day)
    page.get_by_label("Sted (valgfritt)").fill("Møterom 2")
    page.get_by_role("button", name="Kall inn").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + r"/moter/[0-9a-f-]{36}$"))
    assert "Arbeidsgruppe mot mobbing" in page.inner_text("main")
    check(page)
    assert system.scalar(f"SELECT count(*) FROM meetings WHERE arena_id = '{arena}' AND called_by IS NOT NULL") == "1"
    context.close()
