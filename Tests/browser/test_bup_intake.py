"""Issue 16 in a real browser: BUP's weekly intake meeting run from the pages.

The health nurse refers Sara to BUP: sent with content missing, the form says at each field
what BUP requires and keeps what she wrote; completed, it is sent. A second referral follows.
The intake arena's owner publishes the week's agenda; BUP's clinician asks for more
information on the first referral and rejects the second, naming the PPT advisor to follow it
up; the owner approves the minutes. The nurse is told, completes the referral, and it comes
back on the next intake meeting, where it is accepted. The PPT advisor is told of the
rejected referral's follow-up task, finds it on "Avslåtte henvisninger – oppfølging" and
closes it with an outcome. axe-core finds no serious or critical violation on any page."""
import re
import time

from test_browser import screenshot_dir
from test_school_flow import check, new_page, sign_in

NURSE, BUP, OWNER, ADVISOR = "Randi Kvam", "Yngve Tangen", "Camilla Rønning", "Tone Engen"


def wait_for(page, predicate, what, seconds=90):
    deadline = time.time() + seconds
    while not predicate():
        assert time.time() < deadline, f"{what} within {seconds} s"
        time.sleep(1)
        page.reload()


def refer(page, system, question, measures, incomplete_first=False):
    """Fills the referral form for Sara; returns the referral's id."""
    page.goto(system.web.url + "/henvisninger/ny")
    check(page)
    sara = page.locator("#barn option", has_text="Sara Rud").get_attribute("value")
    page.get_by_label("Barnet henvisningen gjelder").select_option(sara)
    page.get_by_role("button", name="Velg barnet").click()
    page.wait_for_url(re.compile(r".*/henvisninger/ny\?barn=[0-9a-f-]{36}$"))
    page.get_by_label("Problemstillingen: hva skal BUP vurdere?").fill(question)
    if incomplete_first:
        page.get_by_role("button", name="Send henvisningen").click()
        summary = page.get_by_role("alert")
        text = summary.inner_text()
        assert "Noe må rettes" in text
        for message in ("Kryss av for hvem som har foreldreansvar.", "Kryss av for hvem barnet bor fast hos",
                        "Kryss av for hvem som har samtykket", "Skriv hvilke tiltak som er prøvd",
                        "Kryss av for tjenestene barnet har nå"):
            assert message in text, message
        assert page.locator(".feilsammendrag a[href='#measures_tried']").count() == 1
        assert page.locator(".feilsammendrag a[href='#parental_responsibility']").count() == 1
        # Nothing typed is lost, and the field says what is wrong.
        assert page.get_by_label("Problemstillingen: hva skal BUP vurdere?").input_value() == question
        assert "Skriv hvilke tiltak" in page.locator("#measures_tried-feil").inner_text()
        check(page, "referral-incomplete", screenshot_dir(system))
    for name in ("foreldreansvar", "daglig_omsorg", "samtykke"):
        for box in page.locator(f"input[name={name}]").all():
            box.check()
    page.get_by_label("Tiltak som er prøvd, og hva de førte til").fill(measures)
    page.get_by_label("Helsestasjon og skolehelsetjeneste").check()
    page.get_by_role("button", name="Send henvisningen").click()
    page.wait_for_url(re.compile(r".*/henvisninger/[0-9a-f-]{36}\?sendt=1$"))
    assert "Henvisningen er sendt" in page.locator("main").inner_text()
    assert "Mangler" not in page.locator("#fullstendighet").inner_text()
    check(page)
    return re.search(r"/henvisninger/([0-9a-f-]{36})", page.url).group(1)


def meeting_of(page, system, referral_id):
    """The intake meeting the scheduler put the referral on (waits for it)."""
    page.goto(f"{system.web.url}/henvisninger/{referral_id}")
    wait_for(page, lambda: page.locator("#mote a").count() == 1, "the referral was not placed on an intake meeting")
    return re.search(r"/moter/([0-9a-f-]{36})", page.locator("#mote a").get_attribute("href")).group(1)


def publish(system, browser, meeting_id):
    context, page = new_page(browser)
    sign_in(system, page, OWNER, land=f"/moter/{meeting_id}")
    page.get_by_role("button", name="Send sakslisten nå").click()
    page.wait_for_url(re.compile(r".*melding=publisert$"))
    wait_for(page, lambda: page.locator("#status").inner_text() == "Saksliste sendt ut", "the agenda was not published")
    check(page)
    context.close()


def approve(system, browser, meeting_id, shots, name):
    context, page = new_page(browser)
    sign_in(system, page, OWNER, land=f"/inntaksmoter/{meeting_id}")
    page.get_by_role("button", name="Godkjenn referatet og gjennomfør beslutningene").click()
    page.wait_for_url(re.compile(r".*melding=godkjent$"))
    assert page.locator("#referatstatus").inner_text() == "Godkjent"
    check(page, name, shots)
    context.close()


def test_bup_intake_in_the_browser(system, browser):
    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)

    # --- The health nurse refers Sara twice (the first sent incomplete before it is complete).
    nurse_context, page = new_page(browser)
    sign_in(system, page, NURSE)
    page.get_by_role("link", name="Send en henvisning til BUP").click()
    first = refer(page, system, "Utredning av angst og søvnvansker", "Samtaler med helsesykepleier i tre måneder", incomplete_first=True)
    second = refer(page, system, "Vurdering av konsentrasjonsvansker", "Tilrettelegging i timene")
    meeting = meeting_of(page, system, first)
    assert meeting_of(page, system, second) == meeting
    nurse_context.close()

    # --- The arena's owner publishes the agenda; PPT's leader adds what PPT knows; BUP decides on the intake page.
    publish(system, browser, meeting)
    ppt_context, page = new_page(browser)
    sign_in(system, page, "Sigurd Lien", land=f"/inntaksmoter/{meeting}")
    first_section = page.locator(".sak").filter(has=page.locator(f"a[href='/henvisninger/{first}']"))
    first_section.get_by_role("button", name="Legg til informasjonen").click()
    assert "Skriv det tjenesten din vet" in page.get_by_role("alert").inner_text()
    check(page)
    first_section = page.locator(".sak").filter(has=page.locator(f"a[href='/henvisninger/{first}']"))
    first_section.get_by_label("Legg til det tjenesten din vet").fill("PPT har fulgt Sara siden ungdomsskolen; utredet for lesevansker 2024.")
    first_section.get_by_role("button", name="Legg til informasjonen").click()
    page.wait_for_url(re.compile(r".*melding=notat$"))
    assert "PPT har fulgt Sara siden ungdomsskolen" in page.locator(f"#notater-{first}").inner_text()
    check(page, "intake-note", shots)
    ppt_context.close()
    bup_context, page = new_page(browser)
    sign_in(system, page, BUP, land=f"/moter/{meeting}")
    page.get_by_role("link", name="Inntaksmøtets henvisninger og beslutninger").click()
    page.wait_for_url(f"{system.web.url}/inntaksmoter/{meeting}")
    assert page.locator(".sak").count() == 2
    assert "Henvisningen har alt innholdet BUP krever." in page.locator("main").inner_text()
    assert "PPT har fulgt Sara siden ungdomsskolen" in page.locator(f"#notater-{first}").inner_text()
    check(page, "intake-meeting", shots)
    def section(referral_id):
        return page.locator(".sak").filter(has=page.locator(f"a[href='/henvisninger/{referral_id}']"))
    more, reject = section(first), section(second)
    more.get_by_label("Be henviseren om flere opplysninger").check()
    reject.get_by_label("Avslås (kommunen følger opp)").check()
    reject.get_by_label("Begrunnelse, eller hvilke opplysninger som trengs").fill("Ikke spesialisthelsetjeneste nå; kommunen følger opp.")
    # Sent without the follow-up owner and without saying what is needed: errors at the fields, input kept.
    page.get_by_role("button", name="Lagre beslutningene").click()
    summary = page.get_by_role("alert").inner_text()
    assert "Velg hvem i kommunen som skal følge opp avslaget" in summary
    assert "Skriv hvilke opplysninger henviseren må gi" in summary
    more, reject = section(first), section(second)
    assert reject.get_by_label("Avslås (kommunen følger opp)").is_checked()
    assert "kommunen følger opp" in reject.get_by_label("Begrunnelse, eller hvilke opplysninger som trengs").input_value()
    check(page, "intake-errors", shots)
    more.get_by_label("Begrunnelse, eller hvilke opplysninger som trengs").fill("Beskriv søvnen og hvor lenge angsten har vart.")
    owner = reject.locator("select option", has_text=ADVISOR).get_attribute("value")
    reject.get_by_label("Ved avslag: hvem i kommunen følger opp").select_option(owner)
    page.get_by_role("button", name="Lagre beslutningene").click()
    page.wait_for_url(re.compile(r".*melding=lagret$"))
    bup_context.close()
    approve(system, browser, meeting, shots, "intake-approved")

    # --- The nurse is told, reads what is asked, completes the referral.
    nurse_context, page = new_page(browser)
    sign_in(system, page, NURSE)
    wait_for(page, lambda: page.locator("#varselliste a", has_text="ber om flere opplysninger").count() == 1,
             "the nurse got no notice of the request")
    check(page, "home-nurse-notice", shots)
    page.locator("#varselliste a", has_text="ber om flere opplysninger").click()
    page.wait_for_url(f"{system.web.url}/henvisninger/{first}")
    assert page.locator("#status").inner_text() == "Venter på flere opplysninger"
    assert page.locator("#etterspurt-tekst").inner_text() == "Beskriv søvnen og hvor lenge angsten har vart."
    check(page, "referral-awaiting", shots)
    page.get_by_role("button", name="Send henvisningen på nytt").click()
    assert "Skriv opplysningene inntaksmøtet ba om" in page.get_by_role("alert").inner_text()
    check(page)
    page.get_by_label("Opplysningene inntaksmøtet ba om").fill("Sover dårlig siden august; angsten har vart i et halvt år.")
    page.get_by_role("button", name="Send henvisningen på nytt").click()
    page.wait_for_url(re.compile(r".*fullfort=1$"))
    next_meeting = meeting_of(page, system, first)
    assert next_meeting != meeting
    assert "Sover dårlig siden august" in page.locator("#annet").inner_text()
    nurse_context.close()

    # --- The next intake meeting accepts it.
    publish(system, browser, next_meeting)
    bup_context, page = new_page(browser)
    sign_in(system, page, BUP, land=f"/inntaksmoter/{next_meeting}")
    page.get_by_label("Tas inn i BUP").check()
    page.get_by_role("button", name="Lagre beslutningene").click()
    page.wait_for_url(re.compile(r".*melding=lagret$"))
    bup_context.close()
    approve(system, browser, next_meeting, shots, "intake-accepted")
    nurse_context, page = new_page(browser)
    sign_in(system, page, NURSE, land=f"/henvisninger/{first}")
    assert page.locator("#status").inner_text() == "Avsluttet"
    assert page.locator("#beslutning").inner_text() == "Tatt inn"
    check(page)
    nurse_context.close()

    # --- The PPT advisor is told of the rejected referral's follow-up and closes it with an outcome.
    advisor_context, page = new_page(browser)
    sign_in(system, page, ADVISOR)
    wait_for(page, lambda: page.locator("#varselliste a", has_text="følge opp en henvisning BUP har avslått").count() == 1,
             "the advisor got no notice of the follow-up")
    page.locator("#varselliste a", has_text="følge opp en henvisning BUP har avslått").click()
    page.wait_for_url(f"{system.web.url}/oppfolging")
    assert page.get_by_role("heading", level=1).inner_text() == "Avslåtte henvisninger – oppfølging"
    # The advisor takes no part in the intake meeting: the referral stays closed to her, but Sara's consent
    # covers PPT, so the task names the child she is to follow up.
    task = page.locator(".sak").filter(has=page.locator(".barn", has_text="Sara Rud"))
    assert task.count() == 1
    assert ADVISOR in task.inner_text()
    assert page.locator(f"a[href='/henvisninger/{second}']").count() == 0
    check(page, "follow-ups", shots)
    task.get_by_label("Ingen videre oppfølging (skriv begrunnelse)").check()
    task.get_by_role("button", name="Avslutt oppfølgingen").click()
    assert "Skriv hvorfor kommunen ikke følger opp videre." in page.get_by_role("alert").inner_text()
    task = page.locator(".sak").filter(has=page.locator(".barn", has_text="Sara Rud"))
    assert task.get_by_label("Ingen videre oppfølging (skriv begrunnelse)").is_checked()
    check(page, "follow-up-error", shots)
    task.get_by_label("Det er kalt inn til samarbeidsmøte").check()
    task.get_by_label("Begrunnelse eller merknad").fill("Samarbeidsmøte med skolen og helsestasjonen.")
    task.get_by_role("button", name="Avslutt oppfølgingen").click()
    page.wait_for_url(re.compile(r".*/oppfolging\?melding=lukket$"))
    assert page.locator(".sak .barn", has_text="Sara Rud").count() == 0
    assert "Ingen åpne oppfølginger." in page.locator("main").inner_text()
    check(page)
    advisor_context.close()


def test_coordinator_handover_accepted_in_the_browser(system, browser):
    """Emma's coordinator (the PPT advisor) asks the health nurse to take over (through the API);
    the nurse's notice opens the handover page, where she accepts: she is the coordinator."""
    import requests

    shots = screenshot_dir(system)
    shots.mkdir(exist_ok=True)
    advisor, nurse = system.user(ADVISOR), system.user(NURSE)
    emma = system.scalar("SELECT id FROM children WHERE name = 'Emma Nordli'")
    asked = requests.post(f"{system.intake_url}/v1/children/{emma}/coordinator/handovers", timeout=10,
                          headers={"Authorization": f"Bearer {advisor['token']}"},
                          json={"to_person_id": nurse["id"], "note": "Helsesykepleier følger Emma tettest nå."})
    assert asked.status_code == 201, asked.text
    handover = asked.json()["id"].lower()

    context, page = new_page(browser)
    sign_in(system, page, NURSE)
    notice = page.locator("#varselliste a", has_text="overta som koordinator")
    wait_for(page, lambda: notice.count() >= 1, "the nurse got no notice of the handover")
    notice.first.click()
    page.wait_for_url(f"{system.web.url}/koordinator/overtakelser/{handover}")
    assert page.get_by_role("heading", level=1).inner_text() == "Overta som koordinator for Emma Nordli"
    assert "Helsesykepleier følger Emma tettest nå." in page.locator("main").inner_text()
    check(page, "handover-asked", shots)
    page.get_by_role("button", name="Godta og bli koordinator").click()
    page.wait_for_url(re.compile(r".*melding=godtatt$"))
    assert page.locator("#status").inner_text() == "Godtatt"
    assert page.get_by_role("button", name="Godta og bli koordinator").count() == 0
    check(page, "handover-accepted", shots)
    context.close()

    coordinator = requests.get(f"{system.intake_url}/v1/children/{emma}/coordinator", timeout=10,
                               headers={"Authorization": f"Bearer {nurse['token']}"})
    assert coordinator.status_code == 200
    assert coordinator.json()["current"]["person_id"].lower() == nurse["id"].lower()
