import Foundation
import Hummingbird
import Logging
import SamtakJOSE

/// What every page of issue 15 shares: the session, calls to the intake with their failures
/// turned into bokmål pages, and forms checked against CSRF.
extension WebRoutes {
    /// Runs the intake calls of a page. A person no longer in the register ends the session;
    /// 403 and 404 are the same "not found" page (it never says whether the record exists);
    /// no answer is the "Samtak svarer ikke" page with the reference id.
    func load<T>(_ session: WebSession, context: BasicRequestContext,
                 _ body: () async throws(IntakeClient.Failure) -> T) async throws -> T {
        do {
            return try await body()
        } catch .unauthorized {
            throw try await personGone(session, context: context)
        } catch .notFound {
            throw ErrorPage.notFound
        } catch {
            throw ErrorPage.intakeUnavailable
        }
    }

    /// The person is no longer active in the register: the session ends.
    func personGone(_ session: WebSession, context: BasicRequestContext) async throws -> ErrorPage {
        _ = try await web.store.endSession(idHash: session.idHash) { ended in
            SignInEvent(event: .sessionRefused, outcome: "person_inactive", provider: ended.provider, issuer: ended.issuer,
                        personId: ended.personId, sessionHash: ended.idHash, requestId: context.id)
        }
        var page = ErrorPage.sessionEnded
        page.cookies = [Cookies.clear(Cookies.sessionName(configuration), configuration)]
        return page
    }

    /// A posted form of a signed-in page: same origin and the session's CSRF token, or the
    /// "form could not be sent" page (nothing is changed).
    func postedForm(_ request: Request, session: WebSession) async throws -> FormFields {
        let buffer = try await request.body.collect(upTo: 256 * 1024)
        let form = FormFields(body: String(buffer: buffer))
        guard Self.sameOrigin(request, configuration), let token = form["_csrf"],
              Crypto.constantTimeEquals(Array(token.utf8), Array(session.csrfToken.utf8))
        else { throw ErrorPage.staleForm }
        return form
    }

    /// Sends a form's change to the intake: the answer, or nil when the intake did not answer
    /// (the page shows the form again with its input and a reference id).
    func send(_ method: String, _ path: String, json: Any, session: WebSession, context: BasicRequestContext) async throws -> APIAnswer? {
        do {
            return try await web.intake.call(method, path, as: session.personId, json: json)
        } catch .unauthorized {
            throw try await personGone(session, context: context)
        } catch {
            web.logger.warning("intake did not answer a form", metadata: ["request_id": "\(context.id)"])
            return nil
        }
    }

    /// A button's form (no fields but the CSRF token): the session, the id in the path and the
    /// intake's answer to `POST <path(id)>`.
    func postButton(_ request: Request, context: BasicRequestContext, _ path: (String) -> String)
        async throws -> (session: WebSession, id: String, answer: APIAnswer) {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        _ = try await postedForm(request, session: session)
        let answer = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> APIAnswer in
            try await web.intake.call("POST", path(id), as: session.personId)
        }
        return (session, id, answer)
    }

    /// The id in the path, lower-case; a malformed one is "not found".
    func pathId(_ context: BasicRequestContext, _ name: String = "id") throws -> String {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else { throw ErrorPage.notFound }
        return id.uuidString.lowercased()
    }

    /// A page showing that the intake failed, with the reference id, keeping the form's
    /// input (the page is the form again with this message at the top).
    static func unavailableMessage(_ context: BasicRequestContext) -> String {
        "Samtak fikk ikke lagret dette akkurat nå. Ingenting er endret, og det du skrev står fortsatt i skjemaet. "
            + "Prøv igjen om litt. Referanse: \(context.id)"
    }
}

/// An error summary at the top of a form, each error linked to its field (WCAG 3.3.1).
struct FieldErrors {
    private(set) var list: [(field: String, message: String)] = []

    mutating func add(_ field: String, _ message: String) {
        if !list.contains(where: { $0.field == field && $0.message == message }) { list.append((field, message)) }
    }

    var isEmpty: Bool { list.isEmpty }

    subscript(_ field: String) -> String? {
        let messages = list.filter { $0.field == field }.map(\.message)
        return messages.isEmpty ? nil : messages.joined(separator: " ")
    }

    /// For the template: `errors` (summary) with `href` to each field's id.
    var summary: [[String: String]] { list.map { ["href": "#\($0.field)", "message": $0.message] } }

    /// For the template: `errors`, `hasErrors` and `error_<field>` for each of `fields` with an error.
    func templateValues(_ fields: [String]) -> [String: Any] {
        var values: [String: Any] = ["errors": summary, "hasErrors": !isEmpty]
        for field in fields {
            if let message = self[field] { values["error_\(field)"] = message }
        }
        return values
    }
}
