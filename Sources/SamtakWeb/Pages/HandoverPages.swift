import Foundation
import Hummingbird

/// Issue 16: the coordinator's handover answered in the browser by the person asked
/// (`/koordinator/overtakelser/{id}`; the notice "handover_requested" links here). The intake
/// decides everything (``HandoverMachine``): only the person asked accepts or declines.
extension WebRoutes {
    func handoverValues(_ id: String, session: WebSession, context: BasicRequestContext) async throws -> [String: Any] {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            let handover = try await web.intake.object("/v1/coordinator-handovers/\(id)", as: session.personId)
            let childId = (handover["child_id"] as? String)?.lowercased() ?? ""
            // The child's name only where the intake shows it to this person (else "et barn").
            let child = try await web.intake.call("GET", "/v1/children/\(childId)", as: session.personId)
            let from = try await web.intake.call("GET", "/v1/people/\((handover["from_person_id"] as? String ?? "").lowercased())", as: session.personId)
            let status = handover["status"] as? String ?? ""
            let mine = (handover["to_person_id"] as? String)?.lowercased() == session.personId.uuidString.lowercased()
            return [
                "id": id, "childName": child.status == 200 ? (child.object["name"] as? String ?? "et barn") : "et barn",
                "fromName": from.status == 200 ? (from.object["name"] as? String ?? "Koordinatoren") : "Koordinatoren",
                "note": handover["note"] as? String ?? "", "when": Bokmal.dateTime(handover["requested_at"]),
                "statusText": ["pending": "Venter på svar", "accepted": "Godtatt", "declined": "Avslått", "cancelled": "Trukket tilbake"][status] ?? status,
                "canAnswer": mine && status == "pending",
            ]
        }
    }

    @Sendable func handoverPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        var values = try await handoverValues(try pathId(context), session: session, context: context)
        if let message = request.uri.queryParameters["melding"].flatMap({
            ["godtatt": "Du er nå koordinator. Overtakelsen er skrevet i koordineringsloggen.",
             "avslatt": "Du har avslått. Koordinatoren får beskjed."][String($0)]
        }) { values["message"] = message }
        return web.pages.page("handover", values, session: session)
    }

    @Sendable func acceptHandover(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await answerHandover(request, context: context, api: "accept", done: "godtatt")
    }

    @Sendable func declineHandover(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await answerHandover(request, context: context, api: "decline", done: "avslatt")
    }

    func answerHandover(_ request: Request, context: BasicRequestContext, api: String, done: String) async throws -> Response {
        let (session, id, answer) = try await postButton(request, context: context) { "/v1/coordinator-handovers/\($0)/\(api)" }
        switch answer.status {
        case 200: return redirect(to: "/koordinator/overtakelser/\(id)?melding=\(done)")
        case 404: throw ErrorPage.notFound
        default:
            var values = try await handoverValues(id, session: session, context: context)
            values["error"] = answer.status == 409 ? "Forespørselen er allerede besvart eller trukket tilbake."
                : "Du kan ikke svare på denne forespørselen: samtykket dekker ikke lenger tjenesten din, eller du er ikke den som er spurt."
            return web.pages.page("handover", values, session: session, status: answer.status == 409 ? .conflict : .forbidden)
        }
    }

    /// The handover notice's e-mail link opens the page.
    @Sendable func handoverMailLink(_ request: Request, context: BasicRequestContext) async throws -> Response {
        redirect(to: "/koordinator/overtakelser/\(try pathId(context))")
    }
}
