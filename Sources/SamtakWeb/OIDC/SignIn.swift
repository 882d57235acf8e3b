import Foundation
import Logging
import SamtakJOSE
import SamtakRuntime

/// The OpenID Connect authorization code flow with PKCE (S256), `state` and `nonce`, for
/// every configured provider; and who the signed-in person is in the register.
final class SignIn: Sendable {
    let configuration: WebConfiguration
    let providers: [String: OIDCProvider]
    let store: SignInStore
    let client: CurlHTTPClient
    let logger: Logger

    /// How long a started sign-in may take (the provider's login form included).
    static let attemptLifetime = 600

    init(configuration: WebConfiguration, store: SignInStore, client: CurlHTTPClient, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.client = client
        self.logger = logger
        var providers: [String: OIDCProvider] = [:]
        for provider in configuration.providers {
            providers[provider.name] = OIDCProvider(configuration: provider, client: client, maxAge: configuration.jwksMaxAge,
                                                    minimumRefresh: configuration.jwksMinimumRefresh,
                                                    requireHTTPS: configuration.mode == .production)
        }
        self.providers = providers
    }

    // MARK: Start

    struct Started {
        var location: String
        var browserCookie: String
    }

    /// Records the attempt and returns the provider's authorization URL. `browserCookie` is
    /// the browser's binding cookie if it has one (several tabs may sign in at once).
    func start(_ provider: OIDCProvider, returnTo: String, browserCookie: String?) async throws -> Started {
        let metadata = try await provider.metadata()
        let browser = browserCookie.flatMap { Self.isToken($0) ? $0 : nil } ?? Crypto.randomToken()
        let state = Crypto.randomToken()
        let nonce = Crypto.randomToken()
        let verifier = Crypto.randomToken()
        try await store.insertAttempt(stateHash: Crypto.sha256(state), browserHash: Crypto.sha256(browser), provider: provider.configuration.name,
                                      nonce: nonce, codeVerifier: verifier, returnTo: returnTo, lifetime: Self.attemptLifetime)
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", provider.configuration.clientID),
            ("redirect_uri", configuration.redirectURI(provider.configuration)), ("scope", provider.configuration.scopes),
            ("state", state), ("nonce", nonce),
            ("code_challenge", Base64URL.encode(Crypto.sha256(verifier))), ("code_challenge_method", "S256"),
            ("ui_locales", "nb"),
        ]
        if let acr = provider.configuration.acrValues { parameters.append(("acr_values", acr)) }
        let separator = metadata.authorizationEndpoint.contains("?") ? "&" : "?"
        return Started(location: metadata.authorizationEndpoint + separator + formBody(parameters), browserCookie: browser)
    }

    static func isToken(_ text: String) -> Bool {
        text.utf8.count == 43 && Base64URL.decode(text) != nil
    }

    // MARK: Finish

    struct Finished {
        var session: WebSession
        var cookieValue: String
        var returnTo: String
    }

    /// What is known about a failed sign-in, for the audit.
    struct Failed: Error {
        var failure: SignInFailure
        var personId: UUID?
        var subjectHash: [UInt8]?
    }

    /// Takes the provider's answer to the callback: checks `state` and the browser, redeems
    /// the code, verifies the ID token, finds the person and creates the session (recorded).
    func finish(_ provider: OIDCProvider, query: [String: String], browserCookie: String?, previousSession: [UInt8]?,
                requestId: String) async throws -> Finished {
        let config = provider.configuration
        guard let state = query["state"], Self.isToken(state),
              let attempt = try await store.takeAttempt(stateHash: Crypto.sha256(state)),
              !attempt.expired, attempt.provider == config.name
        else { throw Failed(failure: .unknownState) }
        guard let browserCookie, Crypto.constantTimeEquals(Crypto.sha256(browserCookie), attempt.browserHash) else {
            throw Failed(failure: .otherBrowser)
        }
        // RFC 9207: an `iss` in the answer must be this provider (mix-up defence).
        if let iss = query["iss"], iss != config.issuer { throw Failed(failure: .malformedResponse) }
        if query["error"] != nil { throw Failed(failure: .providerError) }
        guard let code = query["code"], !code.isEmpty, code.utf8.count <= 2048 else { throw Failed(failure: .malformedResponse) }

        let idToken = try await redeem(code, provider: provider, verifier: attempt.codeVerifier)
        let claims = try await verify(idToken, provider: provider, nonce: attempt.nonce)
        let subjectHash = configuration.subjectHash(issuer: config.issuer, subject: claims.sub)

        let resolution: Resolution
        switch config.kind {
        case .staff:
            let verified = config.emailPolicy == .trusted || claims.emailVerified == true
            let email = verified ? claims.email?.trimmingCharacters(in: .whitespaces) : nil
            resolution = try await store.resolveStaff(issuer: config.issuer, subjectHash: subjectHash, email: email)
            if resolution == .notRegistered && email == nil && claims.email != nil {
                throw Failed(failure: .missingIdentity, subjectHash: subjectHash)
            }
        case .citizen:
            guard let pid = claims.pid, pid.utf8.count == 11, pid.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw Failed(failure: .missingIdentity, subjectHash: subjectHash)
            }
            resolution = try await store.resolveCitizen(issuer: config.issuer, subjectHash: subjectHash,
                                                        identityHash: configuration.identity.lookupHash(digits: pid))
        }
        let person: UUID
        switch resolution {
        case .person(let id): person = id
        case .notRegistered: throw Failed(failure: .notRegistered, subjectHash: subjectHash)
        case .ambiguous: throw Failed(failure: .ambiguous, subjectHash: subjectHash)
        }

        let cookieValue = Crypto.randomToken()
        let session = WebSession(idHash: Crypto.sha256(cookieValue), personId: person, provider: config.name, issuer: config.issuer,
                                 csrfToken: Crypto.randomToken(),
                                 // `seal` takes any UTF-8 text; the ID token of a citizen carries the identity number.
                                 idTokenSealed: configuration.identity.seal(digits: idToken))
        try await store.createSession(session, lifetime: configuration.sessionLifetime, replacing: previousSession, audit: SignInEvent(
            event: .signIn, outcome: "ok", provider: config.name, issuer: config.issuer, personId: person,
            subjectHash: subjectHash, sessionHash: session.idHash, requestId: requestId))
        return Finished(session: session, cookieValue: cookieValue, returnTo: attempt.returnTo)
    }

    /// The token endpoint: the code and the PKCE verifier for the ID token.
    func redeem(_ code: String, provider: OIDCProvider, verifier: String) async throws -> String {
        let config = provider.configuration
        let metadata: OIDCProvider.Metadata
        do { metadata = try await provider.metadata() } catch { throw Failed(failure: error) }
        var form: [(String, String)] = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", configuration.redirectURI(config)),
            ("code_verifier", verifier),
        ]
        var headers = ["Content-Type: application/x-www-form-urlencoded", "Accept: application/json"]
        switch config.authMethod {
        case .basic:
            let credentials = "\(config.clientID.formEncoded):\(config.clientSecret.formEncoded)"
            headers.append("Authorization: Basic \(Data(credentials.utf8).base64EncodedString())")
        case .post:
            form += [("client_id", config.clientID), ("client_secret", config.clientSecret)]
        }
        let response: HTTPClientResponse
        do {
            response = try await client.post(metadata.tokenEndpoint, headers: headers, body: Array(formBody(form).utf8))
        } catch {
            throw Failed(failure: .providerUnavailable)
        }
        switch response.status {
        case 200: break
        case 400..<500: throw Failed(failure: .codeRejected)
        default: throw Failed(failure: .providerUnavailable)
        }
        struct TokenResponse: Decodable { var idToken: String
            enum CodingKeys: String, CodingKey { case idToken = "id_token" } }
        guard let token = try? JSONDecoder().decode(TokenResponse.self, from: Data(response.body)) else {
            throw Failed(failure: .malformedResponse)
        }
        return token.idToken
    }

    /// The ID token: the pinned algorithm only, a key of the provider's (fetched again for an
    /// unknown `kid`), then the claims.
    func verify(_ idToken: String, provider: OIDCProvider, nonce: String) async throws -> IDTokenClaims {
        let config = provider.configuration
        do {
            let jws = try CompactJWS(idToken)
            guard jws.header.alg == config.algorithm.rawValue else { throw JOSEError.algorithmNotAllowed }
            let keys: JWKSet
            do { keys = try await provider.keys(kid: jws.header.kid, algorithm: config.algorithm) } catch { throw Failed(failure: error) }
            try jws.verify(algorithm: config.algorithm, keys: keys)
            let claims = try jws.claims(IDTokenClaims.self)
            do {
                try claims.validate(issuer: config.issuer, clientID: config.clientID, nonce: nonce, now: Date(), leeway: configuration.clockLeeway)
            } catch {
                throw Failed(failure: .idTokenClaims(error), subjectHash: configuration.subjectHash(issuer: config.issuer, subject: claims.sub))
            }
            return claims
        } catch let error as JOSEError {
            throw Failed(failure: .idToken(error))
        }
    }
}

extension WebConfiguration {
    /// The keyed hash under which a provider's subject is kept (identity links, audit).
    func subjectHash(issuer: String, subject: String) -> [UInt8] {
        Crypto.hmacSHA256(key: subjectHashKey, message: Array("\(issuer)\n\(subject)".utf8))
    }
}
