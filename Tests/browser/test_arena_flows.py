"""Issues 17 and 18 in a real browser: the families' leftovers and the arenas' special flows.

1. Emma's mother gives a consent to the ressursteam that waits for Emma's father, and cancels it
   before he signs ("Avbryt dette samtykket"): it is gone, and it never came in force.
2. Beredskap mot mobbing: the teacher sets up a team around Emma (errors first), naming the
   social teacher responsible for the follow-up; the rektor delegates the formal responsibility,
   and the page shows who delegated to whom and when.
3. Drøftingsteam barnehage: the kindergarten asks for observation of Oskar; without a consent
   naming the team it is refused in bokmål at the field; his mother gives that consent on her
   page; the kindergarten asks again; PPT's advisor writes the feedback; the kindergarten reads it.

axe-core finds no serious or critical violation on any page visited."""
import re

import requests

from test_browser import screenshot_dir
from test_school_flow import check, new_page, sign_in


def citizen(system, page, name, land):
    return sign_in(system, page, name, label="Logg inn med ID-porten", land=land)


def api(system, name, method, path, body=None):
    user = system.user(name)
    answer = requests.request(method, system.intake_url + path, json=body, timeout=20,
                              headers={"Authorization": f"Bearer {user['token']}"})
    return answer


def test_a_guardian_cancels_a_consent_that_waits_for_the_other(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    emma = system.scalar("SELECT id FROM children WHERE name = 'Emma Nordli'")
    context, page = new_page(browser)
    citizen(system, page, "Hilde Nordli", f"/mine-barn/{emma}/samtykke")
    page.get_by_label("Ressursteam – Nordby barneskole").check()
    page.get_by_role("button", name="Gi samtykket").click()
    page.wait_for_url(re.compile(r".*melding=venter$"))
    waiting = page.locator("main").inner_text()
    assert "Venter på: Tor Nordli" in waiting
    assert page.get_by_role("button", name="Avbryt dette samtykket").count() == 1
    check(page, "arena-flows-consent-waiting", shots)

    page.get_by_role("button", name="Avbryt dette samtykket").click()
    page.wait_for_url(re.compile(r".*melding=avbrutt$"))
    text = page.locator("main").inner_text()
    assert "Samtykket som ventet på underskrift, er avbrutt" in text
    assert "Samtykker som venter på underskrift" not in text
    check(page, "arena-flows-consent-cancelled", shots)
    context.close()
    assert system.scalar(f"SELECT count(*) FROM consent_proposals WHERE child_id = '{emma}' AND status = 'cancelled'") == "1"
    assert system.scalar(f"SELECT count(*) FROM consents WHERE child_id = '{emma}' AND method = 'digital'") == "0"

    # The father finds nothing left to sign.
    context, page = new_page(browser)
    citizen(system, page, "Tor Nordli", f"/mine-barn/{emma}")
    assert page.get_by_role("button", name="Jeg samtykker også").count() == 0
    check(page)
    context.close()


def test_a_team_against_bullying_and_the_rektor_delegates(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    emma = system.scalar("SELECT id FROM children WHERE name = 'Emma Nordli'")
    context, page = new_page(browser)
    # Signing in keeps the path only: the teacher signs in, then opens the form for Emma.
    sign_in(system, page, "Guri Solberg")
    page.goto(system.web.url + f"/mobbing/ny?barn={emma}")
    assert page.get_by_role("heading", level=1).inner_text() == "Opprett et team mot mobbing rundt Emma Nordli"
    check(page, "arena-flows-bullying-form", shots)

    # Sent without a responsible: the summary links to the field; the members ticked are kept.
    moe = page.locator("#ansvarlig option", has_text="Ingrid Moe").get_attribute("value")
    page.check(f"#medlem-{moe}")
    page.get_by_role("button", name="Opprett teamet").click()
    summary = page.locator(".feilsammendrag")
    assert "Velg hvem som har ansvaret for å følge opp eleven." in summary.inner_text()
    assert page.locator(".feilsammendrag a[href='#ansvarlig']").count() == 1
    assert page.is_checked(f"#medlem-{moe}")
    check(page, "arena-flows-bullying-errors", shots)

    page.get_by_label("Ansvarlig for oppfølgingen").select_option(moe)
    page.get_by_role("button", name="Opprett teamet").click()
    page.wait_for_url(re.compile(r".*/mobbing/[0-9a-f-]{36}\?melding=opprettet$"))
    team_path = page.url.replace(system.web.url, "").split("?")[0]
    assert page.locator("#ansvarlig-navn").inner_text() == "Ingrid Moe"
    assert page.locator("#formelt-ansvarlig").inner_text() == "Frode Nygaard"
    assert "Ansvaret er ikke delegert" in page.locator("main").inner_text()
    # Only the rektor delegates: the teacher has no form.
    assert page.get_by_role("button", name="Deleger").count() == 0
    check(page, "arena-flows-bullying-team", shots)
    context.close()

    context, page = new_page(browser)
    sign_in(system, page, "Frode Nygaard", land=team_path)
    page.get_by_role("button", name="Deleger").click()
    assert "Velg hvem som skal ha det formelle ansvaret." in page.locator(".feilsammendrag").inner_text()
    check(page)
    page.get_by_label("Deleger det formelle ansvaret til").select_option(moe)
    page.get_by_role("button", name="Deleger").click()
    page.wait_for_url(re.compile(r".*melding=delegert$"))
    assert page.locator("#formelt-ansvarlig").inner_text() == "Ingrid Moe"
    assert "Frode Nygaard delegerte ansvaret til Ingrid Moe" in page.locator("#delegeringer").inner_text()
    check(page, "arena-flows-bullying-delegated", shots)
    # Back on the form for Emma, the school finds the team that exists (no second one by mistake).
    page.goto(system.web.url + f"/mobbing/ny?barn={emma}")
    assert "ansvarlig for oppfølgingen: Ingrid Moe" in page.locator("#team-liste").inner_text()
    check(page)
    context.close()


def test_drofting_team_observation_needs_consent_then_feedback(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    oskar = system.scalar("SELECT id FROM children WHERE name = 'Oskar Lyng'")
    kindergarten = system.scalar("SELECT id FROM units WHERE name = 'Solsikken barnehage'")
    arena = system.scalar("SELECT id FROM arenas WHERE name = 'Drøftingsteam barnehage'")
    lise = system.user("Lise Lyng")["id"]
    # The parents agreed (on paper, recorded by the kindergarten) to the kindergarten and PPT
    # cooperating, not to the team observing Oskar.
    consent = api(system, "Oda Berg", "POST", "/v1/consents", {
        "child_id": oskar, "given_by": [lise], "services": ["kindergarten", "ppt"], "valid_from": "2026-01-01", "method": "written",
    })
    assert consent.status_code == 201, consent.text
    assert arena and kindergarten

    # The kindergarten's pedagogical leader brings Oskar's case to the team with the case form.
    context, page = new_page(browser)
    sign_in(system, page, "Oda Berg", land="/saker/ny")
    assert "drøftingsteamet" in page.get_by_role("heading", level=1).inner_text()
    check(page, "arena-flows-drofting-case-form", shots)
    page.get_by_label("Team", exact=True).select_option(label="Drøftingsteam barnehage")
    page.get_by_label("Navngitt: eleven er nevnt med navn", exact=False).check()
    options = page.locator("#child_id option", has_text="Oskar Lyng")
    assert options.count() == 1, page.locator("#child_id").inner_text()
    page.get_by_label("Elev (bare for navngitt sak)").select_option(options.get_attribute("value"))
    page.get_by_label("Trinn").fill("0")
    page.get_by_label("Tittel").fill("Oskar – uro i samlingsstund")
    page.get_by_label("Bekymringen").fill("Uro og konflikter i samlingsstund over tid.")
    page.fill("#tiltak_0_hva", "Mindre grupper i samlingsstund")
    page.fill("#tiltak_0_resultat", "Litt roligere, men konfliktene fortsetter")
    page.get_by_role("button", name="Send saken").click()
    page.wait_for_url(re.compile(re.escape(system.web.url) + r"/saker/[0-9a-f-]{36}\?sendt=1$"))
    case = re.search(r"/saker/([0-9a-f-]{36})", page.url).group(1)

    # From the case page to the drøftingsteam's page; observation without that consent: refused in bokmål.
    page.get_by_role("link", name="Drøftingsteam barnehage: observasjon eller refleksjonsteam").click()
    page.wait_for_url(re.compile("(?i)" + re.escape(system.web.url + f"/drofting/{case}") + "$"))
    check(page, "arena-flows-drofting-form", shots)
    page.get_by_label("Observasjon av barnet, med drøfting og tilbakemelding til barnehagen etterpå").check()
    page.get_by_role("button", name="Send forespørselen").click()
    summary = page.locator(".feilsammendrag")
    assert "Observasjon av et barn krever samtykke fra foreldrene" in summary.inner_text()
    assert page.locator(".feilsammendrag a[href='#mode']").count() == 1
    assert page.is_checked("#mode-observation")
    check(page, "arena-flows-drofting-refused", shots)
    context.close()

    # Oskar's mother gives the consent naming the drøftingsteam on her page (she alone has parental responsibility).
    context, page = new_page(browser)
    citizen(system, page, "Lise Lyng", f"/mine-barn/{oskar}/samtykke")
    page.get_by_label("Drøftingsteam barnehage").check()
    page.get_by_role("button", name="Gi samtykket").click()
    page.wait_for_url(re.compile(r".*melding=gitt$"))
    context.close()

    context, page = new_page(browser)
    sign_in(system, page, "Oda Berg", land=f"/drofting/{case}")
    page.get_by_label("Observasjon av barnet, med drøfting og tilbakemelding til barnehagen etterpå").check()
    page.get_by_role("button", name="Send forespørselen").click()
    page.wait_for_url(re.compile(r".*melding=bedt$"))
    assert "Observasjon av barnet" in page.locator("#forespurt").inner_text()
    assert "Ikke gitt ennå." in page.locator("#tilbakemelding").inner_text()
    # The kindergarten does not write the team's feedback.
    assert page.get_by_role("button", name="Lagre tilbakemeldingen").count() == 0
    check(page, "arena-flows-drofting-requested", shots)
    context.close()

    # PPT's advisor (a participant of the team) writes the feedback; empty first.
    context, page = new_page(browser)
    sign_in(system, page, "Tone Engen", land=f"/drofting/{case}")
    page.get_by_role("button", name="Lagre tilbakemeldingen").click()
    assert "Skriv tilbakemeldingen til barnehagen." in page.locator(".feilsammendrag").inner_text()
    check(page)
    page.get_by_label("Tilbakemelding til barnehagen etter observasjonen").fill(
        "Oskar roer seg med en fast plass og et bilde av dagens plan. Vi foreslår korte samlingsstunder.")
    page.get_by_role("button", name="Lagre tilbakemeldingen").click()
    page.wait_for_url(re.compile(r".*melding=tilbakemelding$"))
    check(page, "arena-flows-drofting-feedback", shots)
    context.close()

    # The kindergarten's case owner reads it.
    context, page = new_page(browser)
    sign_in(system, page, "Oda Berg", land=f"/drofting/{case}")
    feedback = page.locator("#tilbakemelding").inner_text()
    assert "fast plass og et bilde av dagens plan" in feedback
    assert "Tone Engen" in feedback
    check(page)
    context.close()


def test_staff_page_to_link_a_young_person(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    noah = system.scalar("SELECT id FROM children WHERE name = 'Noah Berget'")
    # A teacher may open the page, but the API lets only an administrator link: refused in bokmål at the field.
    context, page = new_page(browser)
    sign_in(system, page, "Guri Solberg", land=f"/barn/{noah}/ungdom")
    check(page, "arena-flows-young-person-form", shots)
    page.get_by_label("Elevens e-postadresse (valgfritt)").fill("noah.berget@example.no")
    page.get_by_role("button", name="Gi eleven egen innlogging").click()
    assert "Bare en administrator i kommunen kan gi en elev egen innlogging" in page.locator(".feilsammendrag").inner_text()
    assert page.get_by_label("Elevens e-postadresse (valgfritt)").input_value() == "noah.berget@example.no"
    check(page, "arena-flows-young-person-refused", shots)
    context.close()
    assert system.scalar(f"SELECT person_id IS NULL FROM children WHERE id = '{noah}'") == "t"

    # The administrator links him; a bad address first.
    context, page = new_page(browser)
    sign_in(system, page, "Astrid Lunde", land=f"/barn/{noah}/ungdom")
    page.get_by_label("Elevens e-postadresse (valgfritt)").fill("ikke-en-adresse")
    page.get_by_role("button", name="Gi eleven egen innlogging").click()
    assert page.locator(".feilsammendrag a[href='#email']").count() == 1
    page.get_by_label("Elevens e-postadresse (valgfritt)").fill("noah.berget@example.no")
    page.get_by_role("button", name="Gi eleven egen innlogging").click()
    assert "Eleven har nå egen innlogging" in page.locator("main").inner_text()
    check(page, "arena-flows-young-person-linked", shots)
    context.close()
    assert system.scalar(f"SELECT person_id IS NOT NULL FROM children WHERE id = '{noah}'") == "t"
