"""Issue 16 in a real browser: transition seasons and the beslutningsteam.

The barneskole's rektor plans the kindergarten → school season; the children whose guardians
consented get their own part of the meeting. Maja will attend SFO: the SFO leader is invited.
Oskar has special-needs support: PPT is invited and shown as responsible for the meeting; Maja's
consent does not release special needs, so marking it is refused at the field. The health
station's leader sends a case to the beslutningsteam, and it appears on the team's agenda; the
team's minutes offer its own decisions only. axe-core: no serious or critical violation on any
page visited."""
import datetime
import re
import time

from test_school_flow import check, new_page, sign_in
from test_browser import screenshot_dir


def consent_to_transition(system, child, information):
    """A written consent, recorded by the kindergarten's styrer, naming the transition arena."""
    system.psql(f"""
        INSERT INTO consents (id, child_id, given_by, services, arena_ids, information, valid_from, method, recorded_by)
        SELECT gen_random_uuid(), c.id, ARRAY(SELECT guardian_id FROM guardianships g WHERE g.child_id = c.id), '{{}}',
               ARRAY[(SELECT id FROM arenas WHERE name = 'Overføringsmøte barnehage – skole')],
               ARRAY[{", ".join(f"'{i}'" for i in information)}], current_date, 'written', (SELECT id FROM people WHERE name = 'Nils Aas')
        FROM children c WHERE c.name = '{child}'""")


def article(page, child):
    return page.locator("article.barn", has=page.get_by_role("heading", name=child))


def test_transition_season_in_the_browser(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    consent_to_transition(system, "Oskar Lyng", ["identity", "school_situation", "special_needs"])
    consent_to_transition(system, "Maja Torp", ["identity", "school_situation"])

    context, page = new_page(browser)
    sign_in(system, page, "Frode Nygaard", land="/overganger")
    check(page, "transitions-empty", shots)
    page.get_by_role("link", name="Planlegg overføringsmøter").click()
    page.wait_for_url(system.web.url + "/overganger/ny")
    check(page)

    # A row with a place but no unit and no date, another with a unit but no date: the errors are at
    # their fields, the input kept.
    page.fill("#location_0", "Solsikken barnehage")
    page.select_option("#sending_unit_id_1", label="Solsikken barnehage (barnehage)")
    page.get_by_role("button", name="Planlegg og kall inn").click()
    assert "Noe må rettes" in page.locator(".feilsammendrag").inner_text()
    assert page.locator(".feilsammendrag a[href='#sending_unit_id_0']").count() == 1
    assert page.locator(".feilsammendrag a[href='#day_1']").count() == 1
    assert page.locator("#location_0").input_value() == "Solsikken barnehage"
    check(page, "transition-form-errors", shots)

    page.get_by_label("Barnehage – skole").check()
    page.select_option("#sending_unit_id_0", label="Solsikken barnehage (barnehage)")
    day = datetime.date.today() + datetime.timedelta(days=30)
    page.fill("#day_0", day.isoformat())
    page.fill("#time_0", "09:00")
    page.select_option("#sending_unit_id_1", "")
    page.get_by_role("button", name="Planlegg og kall inn").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + r"/overganger/[0-9a-f-]{36}\?planlagt=1$"))
    season_url = page.url.split("?")[0]
    main = page.locator("main").inner_text()
    assert "Oskar Lyng" in main and "Maja Torp" in main
    assert "Mottakende skole" in page.locator(".detaljer .ansvarlig").first.inner_text()
    check(page, "season-planned", shots)

    # Maja will attend SFO: the school's SFO leader is invited.
    maja = article(page, "Maja Torp")
    maja.get_by_label("Skal gå på SFO").check()
    maja.get_by_role("button", name="Lagre og inviter").click()
    page.wait_for_url(re.compile(re.escape(season_url) + r"\?lagret=1"))
    assert "Synnøve Brenna" in page.locator(".deltakere").first.inner_text()
    assert article(page, "Maja Torp").get_by_label("Skal gå på SFO").is_checked()
    check(page)

    # Her consent does not release special needs: refused at the field, what she ticked kept.
    maja = article(page, "Maja Torp")
    maja.get_by_label("Har spesialpedagogisk hjelp").check()
    maja.get_by_role("button", name="Lagre og inviter").click()
    summary = page.locator(".feilsammendrag")
    assert "Samtykket fra foresatte gir ikke lov" in summary.inner_text()
    assert page.locator(".feilsammendrag a[href='#special_needs_support']").count() == 1
    assert page.locator("#special_needs_support").is_checked()
    check(page, "arrangements-refused", shots)

    # Oskar has special-needs support: PPT is invited and responsible; his contact teacher is invited.
    page.goto(season_url)
    oskar = article(page, "Oskar Lyng")
    oskar.get_by_label("Har spesialpedagogisk hjelp").check()
    oskar.get_by_label("Kontaktlærer som skal ha barnet").select_option(label="Guri Solberg")
    oskar.get_by_role("button", name="Lagre og inviter").click()
    page.wait_for_url(re.compile(re.escape(season_url) + r"\?lagret=1"))
    oskar_text = article(page, "Oskar Lyng").inner_text()
    assert "PPT (barn med spesialpedagogisk hjelp)" in oskar_text
    assert "Guri Solberg" in oskar_text
    assert "PPT" in page.locator(".detaljer .ansvarlig").first.inner_text()
    invited = page.locator(".deltakere").first.inner_text()
    assert "Tone Engen" in invited and "Guri Solberg" in invited and "Synnøve Brenna" in invited
    check(page, "season-arranged", shots)

    # The list shows the season; the SFO leader, now invited, finds it too.
    page.goto(system.web.url + "/overganger")
    assert "Barnehage – skole" in page.locator("#overganger").inner_text()
    check(page)
    context.close()
    context, page = new_page(browser)
    sign_in(system, page, "Synnøve Brenna", land="/overganger")
    assert "Du deltar" in page.locator("#overganger").inner_text()
    check(page)
    context.close()


def test_case_to_the_beslutningsteam_lands_on_its_agenda(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    context, page = new_page(browser)
    sign_in(system, page, "Per Dahl")
    page.get_by_role("link", name="Meld en sak til beslutningsteamet").click()
    page.wait_for_url(system.web.url + "/beslutningsteam/ny")
    check(page, "decision-form", shots)

    page.get_by_label("Tittel").fill("Sara – samordnet tilbud")
    page.get_by_role("button", name="Meld saken").click()
    assert page.locator(".feilsammendrag a[href='#consent_confirmed']").count() == 1
    assert page.locator(".feilsammendrag a[href='#question']").count() == 1
    assert page.get_by_label("Tittel").input_value() == "Sara – samordnet tilbud"
    check(page, "decision-form-errors", shots)

    sara = page.locator("#child_id option", has_text="Sara Rud").get_attribute("value")
    page.get_by_label("Barnet saken gjelder").select_option(sara)
    page.get_by_label("Hva skal beslutningsteamet avklare?").fill("Hvilken tjeneste skal ha hovedansvaret for oppfølgingen?")
    page.get_by_label("Hva er prøvd, og hvilke tjenester har barnet i dag?").fill("Samtaler hos helsesykepleier og oppfølging fra BUP.")
    page.get_by_label("Samtykke fra foresatte").check()
    page.get_by_role("button", name="Meld saken").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + r"/beslutningsteam/saker/[0-9a-f-]{36}\?sendt=1$"))
    check(page)

    deadline = time.time() + 60
    while "Beslutningsteamets møte" not in page.locator("#mote").inner_text():
        assert time.time() < deadline, "the case was not placed on a beslutningsteam meeting within 60 s"
        time.sleep(1)
        page.reload()
    check(page, "decision-case-placed", shots)
    page.locator("#mote a").click()
    page.wait_for_url(re.compile(r".*/moter/[0-9a-f-]{36}$"))
    meeting_id = page.url.rsplit("/", 1)[1]
    assert "Sara – samordnet tilbud" in page.locator(".saksliste").inner_text()
    check(page, "decision-meeting", shots)
    context.close()

    # The team's leader writes the minutes: only the beslutningsteam's own decisions are offered.
    context, page = new_page(browser)
    sign_in(system, page, "Camilla Rønning", land=f"/moter/{meeting_id}/referat")
    options = page.locator("select option").all_inner_texts()
    assert "Innkalle til samarbeidsmøte" in options
    assert "Henvises til PPT" not in options
    check(page, "decision-minutes", shots)
    context.close()


def test_upper_secondary_transition_establishes_an_ansvarsgruppe(system, browser):
    """Lower → upper secondary: the receiving rektor establishes Filip's new ansvarsgruppe from
    the season's page; its first meeting is called around him."""
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    # Filip moves up from 10th grade this year (the demo has him in 9th; put back afterwards).
    system.psql("UPDATE children SET grade = 10 WHERE name = 'Filip Dalen'")
    try:
        system.psql("""
            INSERT INTO consents (id, child_id, given_by, services, arena_ids, information, valid_from, method, recorded_by)
            SELECT gen_random_uuid(), c.id, ARRAY(SELECT guardian_id FROM guardianships g WHERE g.child_id = c.id), '{}',
                   ARRAY(SELECT id FROM arenas WHERE name IN ('Overføringsmøte ungdomsskole – videregående skole', 'Ansvarsgruppe')),
                   ARRAY['identity', 'school_situation'], current_date, 'written', (SELECT id FROM people WHERE name = 'Kari Lie')
            FROM children c WHERE c.name = 'Filip Dalen'""")
        context, page = new_page(browser)
        sign_in(system, page, "Marit Holm", land="/overganger/ny")
        page.get_by_label("Ungdomsskole – videregående skole").check()
        page.select_option("#sending_unit_id_0", label="Nordby ungdomsskole (skole)")
        page.fill("#day_0", (datetime.date.today() + datetime.timedelta(days=25)).isoformat())
        page.fill("#time_0", "12:00")
        page.get_by_role("button", name="Planlegg og kall inn").click()
        page.wait_for_url(re.compile(re.escape(system.web.url) + r"/overganger/[0-9a-f-]{36}\?planlagt=1$"))
        season_url = page.url.split("?")[0]
        assert "etablere en ny ansvarsgruppe" in page.locator("main").inner_text()
        filip = article(page, "Filip Dalen")
        # Without a date: the error is at the field.
        filip.get_by_role("button", name="Etabler ansvarsgruppe").click()
        assert page.locator(".feilsammendrag a[href='#ag_day']").count() == 1
        check(page, "ansvarsgruppe-error", shots)
        filip = article(page, "Filip Dalen")
        filip.get_by_label("Dato for første møte").fill((datetime.date.today() + datetime.timedelta(days=40)).isoformat())
        filip.get_by_role("button", name="Etabler ansvarsgruppe").click()
        page.wait_for_url(re.compile(r".*/moter/[0-9a-f-]{36}$"))
        assert "Ansvarsgruppe" in page.get_by_role("heading", level=1).inner_text()
        check(page, "ansvarsgruppe-meeting", shots)
        page.goto(season_url)
        assert article(page, "Filip Dalen").get_by_role("link", name="Ansvarsgruppens første møte").count() == 1
        assert article(page, "Filip Dalen").get_by_role("button", name="Etabler ansvarsgruppe").count() == 0
        check(page)
        context.close()
    finally:
        system.psql("UPDATE children SET grade = 9 WHERE name = 'Filip Dalen'")
