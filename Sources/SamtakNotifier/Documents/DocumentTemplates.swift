// Mustache templates for the notifier's documents, as Swift string constants (no resource files).
//
// Rules for editing:
// - Every value is inserted with double mustaches `{{name}}`. HTML templates escape it (the
//   library's default content type is HTML); text templates start with the TEXT content-type
//   pragma so plain text is not HTML-escaped. Never use triple mustaches or `{{& }}`: a test
//   fails if any template contains them.
// - Inside sections, use key names that do not also exist at the top level for optional
//   values: Mustache looks a missing key up in the enclosing contexts.
// - Notice templates may use only `kindName`, `arenaName`, `when`, `readLink`, `subject` and the
//   `isAgenda`/`isMinutes`/`isCancellation`/`isMoved` flags: e-mail is not a safe channel for health data.

enum DocumentTemplates {
    /// Template name → template text, for the renderer's library and for tests.
    static let all: [String: String] = [
        "html_begin": htmlBegin,
        "html_end": htmlEnd,
        "html_meeting": htmlMeeting,
        "text_meeting": textMeeting,
        "text_footer": textFooter,
        "agenda_text": agendaText,
        "agenda_html": agendaHTML,
        "minutes_text": minutesText,
        "minutes_html": minutesHTML,
        "cancellation_text": cancellationText,
        "cancellation_html": cancellationHTML,
        "notice_text": noticeText,
        "notice_html": noticeHTML,
    ]

    // MARK: Shared parts

    static let htmlBegin = """
        <!DOCTYPE html>
        <html lang="nb">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{subject}}</title>
        </head>
        <body style="margin:0;padding:0;background:#f4f5f7;">
        <div style="max-width:680px;margin:0 auto;padding:24px;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;color:#1d2533;">
        <p style="margin:0 0 4px 0;font-size:13px;color:#5a6473;text-transform:uppercase;letter-spacing:0.05em;">{{kindName}}</p>

        """

    static let htmlEnd = """
        <p style="margin:24px 0 0 0;"><a href="{{readLink}}" style="color:#1a5fb4;">{{linkText}}</a></p>
        <hr style="border:none;border-top:1px solid #d8dce3;margin:24px 0 12px 0;">
        <p style="margin:0;font-size:12px;color:#5a6473;">Denne e-posten er sendt automatisk fra Samtak. Svar på e-posten blir ikke lest.</p>
        </div>
        </body>
        </html>

        """

    static let htmlMeeting = """
        <h1 style="margin:0 0 16px 0;font-size:22px;">{{title}}</h1>
        <table role="presentation" style="border-collapse:collapse;margin:0 0 16px 0;">
        <tr><th scope="row" style="text-align:left;padding:2px 16px 2px 0;vertical-align:top;">Tid</th><td style="padding:2px 0;">{{when}}</td></tr>
        {{#hasLocation}}
        <tr><th scope="row" style="text-align:left;padding:2px 16px 2px 0;vertical-align:top;">Sted</th><td style="padding:2px 0;">{{location}}</td></tr>
        {{/hasLocation}}
        {{#showArena}}
        <tr><th scope="row" style="text-align:left;padding:2px 16px 2px 0;vertical-align:top;">Arena</th><td style="padding:2px 0;">{{arenaName}}</td></tr>
        {{/showArena}}
        {{#hasOwner}}
        <tr><th scope="row" style="text-align:left;padding:2px 16px 2px 0;vertical-align:top;">Møteleder</th><td style="padding:2px 0;">{{ownerName}}{{#hasOwnerEmail}} (<a href="mailto:{{ownerEmail}}" style="color:#1a5fb4;">{{ownerEmail}}</a>){{/hasOwnerEmail}}</td></tr>
        {{/hasOwner}}
        </table>

        """

    static let textMeeting = """
        {{% CONTENT_TYPE: TEXT}}
        {{title}}
        Tid:  {{when}}
        {{#hasLocation}}
        Sted: {{location}}
        {{/hasLocation}}
        {{#showArena}}
        Arena: {{arenaName}}
        {{/showArena}}
        {{#hasOwner}}
        Møteleder: {{ownerName}}{{#hasOwnerEmail}} <{{ownerEmail}}>{{/hasOwnerEmail}}
        {{/hasOwner}}

        """

    static let textFooter = """
        {{% CONTENT_TYPE: TEXT}}
        {{linkText}}:
        {{readLink}}

        ----
        Denne e-posten er sendt automatisk fra Samtak. Svar på e-posten blir ikke lest.

        """

    // MARK: Agenda (saksliste)

    static let agendaText = """
        {{% CONTENT_TYPE: TEXT}}
        SAKSLISTE
        {{#hasRecipientName}}

        Hei {{recipientName}},
        {{/hasRecipientName}}

        {{> text_meeting}}

        DELTAKERE
        {{#participants}}
        - {{name}}{{#hasDetails}} ({{details}}){{/hasDetails}}
        {{/participants}}
        {{^participants}}
        Ingen deltakere er registrert.
        {{/participants}}

        SAKER
        {{#items}}
        Sak {{position}}: {{itemTitle}}
            Tid: kl. {{slot}} ({{minutes}} min)
        {{#hasPresenter}}
            Innleder: {{presenter}}
        {{/hasPresenter}}

        {{/items}}
        {{^items}}
        Ingen saker er satt opp.

        {{/items}}
        {{> text_footer}}
        """

    static let agendaHTML = """
        {{> html_begin}}
        {{#hasRecipientName}}
        <p style="margin:0 0 16px 0;">Hei {{recipientName}},</p>
        {{/hasRecipientName}}
        {{> html_meeting}}
        <h2 style="margin:24px 0 8px 0;font-size:18px;">Deltakere</h2>
        {{#hasParticipants}}
        <table style="border-collapse:collapse;width:100%;">
        <thead><tr><th style="text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid #d8dce3;">Navn</th><th style="text-align:left;padding:4px 8px;border-bottom:1px solid #d8dce3;">Rolle</th><th style="text-align:left;padding:4px 0 4px 8px;border-bottom:1px solid #d8dce3;">Enhet</th></tr></thead>
        <tbody>
        {{#participants}}
        <tr><td style="padding:4px 8px 4px 0;vertical-align:top;">{{name}}</td><td style="padding:4px 8px;vertical-align:top;">{{role}}</td><td style="padding:4px 0 4px 8px;vertical-align:top;">{{unit}}</td></tr>
        {{/participants}}
        </tbody>
        </table>
        {{/hasParticipants}}
        {{^hasParticipants}}
        <p>Ingen deltakere er registrert.</p>
        {{/hasParticipants}}
        <h2 style="margin:24px 0 8px 0;font-size:18px;">Saker</h2>
        {{#hasItems}}
        <table style="border-collapse:collapse;width:100%;">
        <thead><tr><th style="text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid #d8dce3;">Sak</th><th style="text-align:left;padding:4px 8px;border-bottom:1px solid #d8dce3;">Tittel</th><th style="text-align:left;padding:4px 8px;border-bottom:1px solid #d8dce3;">Innleder</th><th style="text-align:left;padding:4px 0 4px 8px;border-bottom:1px solid #d8dce3;">Tid</th></tr></thead>
        <tbody>
        {{#items}}
        <tr><td style="padding:4px 8px 4px 0;vertical-align:top;">{{position}}</td><td style="padding:4px 8px;vertical-align:top;">{{itemTitle}}</td><td style="padding:4px 8px;vertical-align:top;">{{#hasPresenter}}{{presenter}}{{/hasPresenter}}</td><td style="padding:4px 0 4px 8px;vertical-align:top;white-space:nowrap;">{{slot}} ({{minutes}} min)</td></tr>
        {{/items}}
        </tbody>
        </table>
        {{/hasItems}}
        {{^hasItems}}
        <p>Ingen saker er satt opp.</p>
        {{/hasItems}}
        {{> html_end}}
        """

    // MARK: Minutes (referat)

    static let minutesText = """
        {{% CONTENT_TYPE: TEXT}}
        REFERAT
        {{#hasRecipientName}}

        Hei {{recipientName}},
        {{/hasRecipientName}}

        {{> text_meeting}}

        Til stede: {{attendanceText}}
        Forfall: {{absentText}}

        {{#items}}
        SAK {{position}}: {{itemTitle}}

          Drøfting:
        {{discussionText}}

          Konklusjon:
        {{decisionText}}
        {{#hasFollowUps}}

          Oppfølging:
        {{#followUps}}
          - {{what}} (ansvarlig: {{who}}{{#hasDue}}, frist: {{dueText}}{{/hasDue}})
        {{/followUps}}
        {{/hasFollowUps}}

        {{/items}}
        {{^items}}
        Ingen saker ble behandlet.

        {{/items}}
        Neste møte: {{nextMeetingText}}

        {{> text_footer}}
        """

    static let minutesHTML = """
        {{> html_begin}}
        {{#hasRecipientName}}
        <p style="margin:0 0 16px 0;">Hei {{recipientName}},</p>
        {{/hasRecipientName}}
        {{> html_meeting}}
        <table role="presentation" style="border-collapse:collapse;margin:0 0 16px 0;">
        <tr><th scope="row" style="text-align:left;padding:2px 16px 2px 0;vertical-align:top;">Til stede</th><td style="padding:2px 0;">{{attendanceText}}</td></tr>
        <tr><th scope="row" style="text-align:left;padding:2px 16px 2px 0;vertical-align:top;">Forfall</th><td style="padding:2px 0;">{{absentText}}</td></tr>
        </table>
        {{#items}}
        <h2 style="margin:24px 0 8px 0;font-size:18px;">Sak {{position}}: {{itemTitle}}</h2>
        <h3 style="margin:12px 0 4px 0;font-size:15px;">Drøfting</h3>
        {{#discussionParagraphs}}
        <p style="margin:0 0 8px 0;">{{#lines}}{{line}}{{#br}}<br>{{/br}}{{/lines}}</p>
        {{/discussionParagraphs}}
        <h3 style="margin:12px 0 4px 0;font-size:15px;">Konklusjon</h3>
        {{#decisionParagraphs}}
        <p style="margin:0 0 8px 0;">{{#lines}}{{line}}{{#br}}<br>{{/br}}{{/lines}}</p>
        {{/decisionParagraphs}}
        {{#hasFollowUps}}
        <h3 style="margin:12px 0 4px 0;font-size:15px;">Oppfølging</h3>
        <table style="border-collapse:collapse;width:100%;">
        <thead><tr><th style="text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid #d8dce3;">Hva</th><th style="text-align:left;padding:4px 8px;border-bottom:1px solid #d8dce3;">Hvem</th><th style="text-align:left;padding:4px 0 4px 8px;border-bottom:1px solid #d8dce3;">Frist</th></tr></thead>
        <tbody>
        {{#followUps}}
        <tr><td style="padding:4px 8px 4px 0;vertical-align:top;">{{what}}</td><td style="padding:4px 8px;vertical-align:top;">{{who}}</td><td style="padding:4px 0 4px 8px;vertical-align:top;">{{#hasDue}}{{dueText}}{{/hasDue}}</td></tr>
        {{/followUps}}
        </tbody>
        </table>
        {{/hasFollowUps}}
        {{/items}}
        {{^items}}
        <p>Ingen saker ble behandlet.</p>
        {{/items}}
        <p style="margin:24px 0 0 0;"><strong>Neste møte:</strong> {{nextMeetingText}}</p>
        {{> html_end}}
        """

    // MARK: Cancellation (avlysning)

    static let cancellationText = """
        {{% CONTENT_TYPE: TEXT}}
        AVLYST MØTE
        {{#hasRecipientName}}

        Hei {{recipientName}},
        {{/hasRecipientName}}

        Dette møtet er avlyst:

        {{> text_meeting}}

        Årsak:
        {{reasonText}}

        {{> text_footer}}
        """

    static let cancellationHTML = """
        {{> html_begin}}
        {{#hasRecipientName}}
        <p style="margin:0 0 16px 0;">Hei {{recipientName}},</p>
        {{/hasRecipientName}}
        <p style="margin:0 0 16px 0;"><strong>Dette møtet er avlyst:</strong></p>
        {{> html_meeting}}
        <h2 style="margin:24px 0 8px 0;font-size:18px;">Årsak</h2>
        {{#reasonParagraphs}}
        <p style="margin:0 0 8px 0;">{{#lines}}{{line}}{{#br}}<br>{{/br}}{{/lines}}</p>
        {{/reasonParagraphs}}
        {{> html_end}}
        """

    // MARK: Notice (only arena, time, document kind and link)

    static let noticeText = """
        {{% CONTENT_TYPE: TEXT}}
        {{kindNameUpper}}

        {{#isAgenda}}
        Sakslisten til møtet i {{arenaName}} {{when}} er klar.
        {{/isAgenda}}
        {{#isMinutes}}
        Referatet fra møtet i {{arenaName}} {{when}} er klart.
        {{/isMinutes}}
        {{#isCancellation}}
        Møtet i {{arenaName}} {{when}} er avlyst.
        {{/isCancellation}}
        {{#isMoved}}
        Et møte er flyttet. Møtet i {{arenaName}} er nå {{when}}.
        {{/isMoved}}

        Innholdet sendes ikke på e-post av personvernhensyn. Logg inn i Samtak for å lese det.

        {{> text_footer}}
        """

    static let noticeHTML = """
        {{> html_begin}}
        <h1 style="margin:0 0 16px 0;font-size:22px;">{{arenaName}}</h1>
        {{#isAgenda}}
        <p style="margin:0 0 16px 0;">Sakslisten til møtet i {{arenaName}} {{when}} er klar.</p>
        {{/isAgenda}}
        {{#isMinutes}}
        <p style="margin:0 0 16px 0;">Referatet fra møtet i {{arenaName}} {{when}} er klart.</p>
        {{/isMinutes}}
        {{#isCancellation}}
        <p style="margin:0 0 16px 0;">Møtet i {{arenaName}} {{when}} er avlyst.</p>
        {{/isCancellation}}
        {{#isMoved}}
        <p style="margin:0 0 16px 0;"><strong>Et møte er flyttet.</strong> Møtet i {{arenaName}} er nå {{when}}.</p>
        {{/isMoved}}
        <p style="margin:0 0 16px 0;">Innholdet sendes ikke på e-post av personvernhensyn. Logg inn i Samtak for å lese det.</p>
        {{> html_end}}
        """
}
