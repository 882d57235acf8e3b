import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SamtakJOSE
import SamtakRuntime

/// The handlers: sign-in, sign-out, the first page.
struct WebRoutes: Sendable {
    let web: WebEnvironment
    var configuration: WebConfiguration { web.configuration }

    // MARK: Sessions

    enum SessionState {
        /// No session cookie.
        case none
        /// A cookie whose session has ended, expired or never existed (already recorded).
        case refused
        case valid(WebSession)
    }

    /// The browser's session, if its cookie names one that is still valid. A refused cookie
    /// is recorded in the audit (expired, idle, or unknown).
    func session(_ request: Request, context: BasicRequestContext) async throws -> SessionState {
        guard let cookie = request.cookies[Cookies.sessionName(configuration)]?.value, !cookie.isEmpty else { return .none }
        let idHash = Crypto.sha256(cookie)
        switch try await web.store.session(idHash: idHash, idle: configuration.sessionIdle) {
        case .valid(let session):
            return .valid(session)
        case .expired(let person, let provider, let issuer, let outcome):
            try await web.store.record(SignInEvent(event: .sessionRefused, outcome: outcome, provider: provider, issuer: issuer,
                                                   personId: person, sessionHash: idHash, requestId: context.id))
            return .refused
        case .unknown:
            try await web.store.record(SignInEvent(event: .sessionRefused, outcome: "unknown_session", sessionHash: idHash, requestId: context.id))
            return .refused
        }
    }

    /// The signed-in session, or: no cookie → to the sign-in page (coming back here after);
    /// a refused cookie → the "session ended" page, clearing the cookie.
    func requireSession(_ request: Request, context: BasicRequestContext) async throws -> WebSession {
        switch try await session(request, context: context) {
        case .valid(let session):
            return session
        case .none:
            throw RedirectToSignIn(returnTo: request.uri.path)
        case .refused:
            var page = ErrorPage.sessionEnded
            page.cookies = [Cookies.clear(Cookies.sessionName(configuration), configuration)]
            throw page
        }
    }

    struct RedirectToSignIn: Error {
        var returnTo: String
    }

    /// A local path to come back to after sign-in ("/" unless `path` is one: no scheme, no
    /// host, no `//` or `/\` that a browser would read as another site).
    static func localPath(_ path: String?) -> String {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), !path.hasPrefix("/\\"), path.utf8.count <= 512,
              !path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\\" })
        else { return "/" }
        return path
    }

    // MARK: Pages

    @Sendable func home(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let (me, tasks) = try await homeTasks(session, context: context)
        let roles: [[String: String]] = me.memberships.map { membership in
            ["title": membership.title.isEmpty ? Self.roleLabel(membership.role) : membership.title, "unit": membership.unitName]
        }
        var values: [String: Any] = [
            "name": me.name, "roles": roles, "hasRoles": !roles.isEmpty, "administrator": me.administrator,
            "kindText": Self.kindText(me.kind),
        ]
        values.merge(tasks) { $1 }
        values["family"] = me.kind == "guardian" || me.kind == "young_person"
        values["familyLabel"] = me.kind == "young_person" ? "Mine møter og samtykker" : "Mine barn"
        values["canSubmit"] = me.memberships.contains { ["teacher", "unit_leader", "special_needs_coordinator", "social_teacher"].contains($0.role) }
        return web.pages.page("home", values, session: session)
    }

    static func signInRedirect(returnTo: String) -> Response {
        redirect(to: returnTo == "/" ? "/logg-inn" : "/logg-inn?til=\(returnTo.formEncoded)")
    }

    static func kindText(_ kind: String) -> String {
        switch kind {
        case "guardian": "Du er registrert som foresatt. Her ser du det som gjelder barna dine."
        case "young_person": "Du er registrert som ungdom. Her ser du det som gjelder deg."
        default: "Du har ingen roller i Samtak ennå. Kontakt lederen din hvis du skal ha det."
        }
    }

    static func roleLabel(_ role: String) -> String {
        [
            "administrator": "systemansvarlig", "unit_leader": "leder", "teacher": "lærer",
            "special_needs_coordinator": "spesialpedagogisk ansvarlig", "social_teacher": "sosiallærer",
            "school_nurse": "helsesykepleier", "advisor": "rådgiver", "caseworker": "saksbehandler", "clinician": "behandler",
            "coordinator": "koordinator", "secretary": "sekretær",
        ][role] ?? role
    }

    // MARK: Sign-in

    @Sendable func signInPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let returnTo = Self.localPath(request.uri.queryParameters["til"].map(String.init))
        var extra = HTTPFields()
        switch try await session(request, context: context) {
        case .valid: return redirect(to: returnTo)
        case .refused: extra = Cookies.setCookieFields([Cookies.clear(Cookies.sessionName(configuration), configuration)])
        case .none: break
        }
        let providers: [[String: String]] = configuration.providers.map { provider in
            ["href": "/logg-inn/\(provider.name)" + (returnTo == "/" ? "" : "?til=\(returnTo.formEncoded)"),
             "label": provider.label,
             "hint": provider.kind == .staff
                ? "For ansatte i kommunen, skoler, barnehager og tjenester."
                : "For foresatte og ungdom, med BankID, MinID eller annen elektronisk ID."]
        }
        return web.pages.page("sign_in", ["providers": providers], session: nil, extraHeaders: extra)
    }

    @Sendable func startSignIn(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard let name = context.parameters.get("provider"), let provider = web.signIn.providers[name] else { throw ErrorPage.notFound }
        let returnTo = Self.localPath(request.uri.queryParameters["til"].map(String.init))
        let started: SignIn.Started
        do {
            started = try await web.signIn.start(provider, returnTo: returnTo,
                                                 browserCookie: request.cookies[Cookies.signInName(configuration)]?.value)
        } catch let failure as SignInFailure {
            try await web.store.record(SignInEvent(event: .signInFailed, outcome: failure.outcome, provider: name,
                                                   issuer: provider.configuration.issuer, requestId: context.id))
            web.logger.warning("sign-in could not start", metadata: ["provider": "\(name)", "outcome": "\(failure.outcome)", "request_id": "\(context.id)"])
            throw failure.page(providerLabel: provider.configuration.label)
        }
        return redirect(to: started.location, headers: Cookies.setCookieFields([
            Cookies.set(Cookies.signInName(configuration), started.browserCookie, maxAge: SignIn.attemptLifetime, configuration),
        ]))
    }

    @Sendable func callback(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard let name = context.parameters.get("provider"), let provider = web.signIn.providers[name] else { throw ErrorPage.notFound }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where query[String(key)] == nil {
            query[String(key)] = String(value)
        }
        let previous = (request.cookies[Cookies.sessionName(configuration)]?.value).map { Crypto.sha256($0) }
        do {
            let finished = try await web.signIn.finish(provider, query: query,
                                                       browserCookie: request.cookies[Cookies.signInName(configuration)]?.value,
                                                       previousSession: previous, requestId: context.id)
            web.logger.info("signed in", metadata: ["provider": "\(name)", "person_id": "\(finished.session.personId)", "request_id": "\(context.id)"])
            return redirect(to: finished.returnTo, headers: Cookies.setCookieFields([
                Cookies.set(Cookies.sessionName(configuration), finished.cookieValue, maxAge: nil, configuration),
                Cookies.clear(Cookies.signInName(configuration), configuration),
            ]))
        } catch let failed as SignIn.Failed {
            try await web.store.record(SignInEvent(event: .signInFailed, outcome: failed.failure.outcome, provider: name,
                                                   issuer: provider.configuration.issuer, personId: failed.personId,
                                                   subjectHash: failed.subjectHash, requestId: context.id))
            web.logger.warning("sign-in failed", metadata: ["provider": "\(name)", "outcome": "\(failed.failure.outcome)", "request_id": "\(context.id)"])
            throw failed.failure.page(providerLabel: provider.configuration.label)
        }
    }

    // MARK: Sign-out

    @Sendable func signOut(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let clear = Cookies.setCookieFields([Cookies.clear(Cookies.sessionName(configuration), configuration)])
        guard case .valid(let session) = try await session(request, context: context) else {
            return redirect(to: "/logget-ut", headers: clear)
        }
        let form = try await Self.form(request)
        guard Self.sameOrigin(request, configuration), let token = form["_csrf"],
              Crypto.constantTimeEquals(Array(token.utf8), Array(session.csrfToken.utf8))
        else { throw ErrorPage.staleForm }
        _ = try await web.store.endSession(idHash: session.idHash) { ended in
            SignInEvent(event: .signOut, outcome: "ok", provider: ended.provider, issuer: ended.issuer, personId: ended.personId,
                        sessionHash: ended.idHash, requestId: context.id)
        }
        web.logger.info("signed out", metadata: ["person_id": "\(session.personId)", "request_id": "\(context.id)"])
        let afterwards = "\(configuration.origin)/logget-ut"
        guard let provider = web.signIn.providers[session.provider], let metadata = try? await provider.metadata(),
              let endSession = metadata.endSessionEndpoint
        else { return redirect(to: "/logget-ut", headers: clear) }
        var parameters = [("client_id", provider.configuration.clientID), ("post_logout_redirect_uri", afterwards)]
        if let sealed = session.idTokenSealed, let idToken = configuration.identity.open(sealed) {
            parameters.insert(("id_token_hint", idToken), at: 0)
        }
        return redirect(to: endSession + (endSession.contains("?") ? "&" : "?") + formBody(parameters), headers: clear)
    }

    @Sendable func signedOut(_ request: Request, context: BasicRequestContext) async throws -> Response {
        web.pages.page("signed_out", [:], session: nil)
    }

    /// A state-changing request must come from our own pages (besides its CSRF token):
    /// `Sec-Fetch-Site`, when the browser sends it, is `same-origin`; `Origin`, when sent and
    /// not `null`, is our origin. (With `Referrer-Policy: no-referrer` browsers send
    /// `Origin: null` even for our own forms.)
    static func sameOrigin(_ request: Request, _ configuration: WebConfiguration) -> Bool {
        if let site = request.headers[.init("Sec-Fetch-Site")!], site != "same-origin" && site != "none" { return false }
        if let origin = request.headers[.origin], origin != "null", origin != configuration.origin { return false }
        return true
    }

    /// An `application/x-www-form-urlencoded` body (at most 64 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let key = decode(parts[0])
            if fields[key] == nil { fields[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    // MARK: Assets

    @Sendable func stylesheet(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: web.pages.stylesheet)))
    }

    /// The web's public key(s) as a JWKS: what the intake must trust (`SAMTAK_WEB_PUBLIC_KEY`).
    @Sendable func jwks(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/jwk-set+json"
        headers[.cacheControl] = "public, max-age=300"
        let set = JWKSet(keys: [WebAccessToken.jwk(configuration.signingKey.publicKey)])
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: set.json)))
    }
}
