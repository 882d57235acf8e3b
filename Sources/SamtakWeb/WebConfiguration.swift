import Foundation
import SamtakJOSE
import SamtakRuntime

/// Settings of `samtak-web` (besides the runtime's `SAMTAK_PG_*`, `SAMTAK_HTTP_*`, ...).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SAMTAK_WEB_PUBLIC_URL` | `http://127.0.0.1:8090` | the address browsers use; `https://` makes cookies `Secure` with the `__Host-` prefix (required in production) |
/// | `SAMTAK_WEB_INTAKE_URL` | `http://127.0.0.1:8080` | the intake API |
/// | `SAMTAK_WEB_INTAKE_CONNECTIONS` | 32 | calls to the intake (and the identity providers) in flight at once: the threads of the web's HTTP client |
/// | `SAMTAK_WEB_SIGNING_KEY` (or `_FILE`) | the development key | PEM P-256 private key for the tokens sent to the intake; the same in every copy |
/// | `SAMTAK_WEB_SESSION_IDLE_S` / `SAMTAK_WEB_SESSION_MAX_S` | 1800 / 28800 | idle timeout and absolute lifetime of a session |
/// | `SAMTAK_WEB_CLOCK_LEEWAY_S` | 60 | clock skew tolerated in ID tokens |
/// | `SAMTAK_WEB_JWKS_MAX_AGE_S` / `SAMTAK_WEB_JWKS_MIN_REFRESH_S` | 3600 / 10 | how long a provider's keys are kept; how often an unknown `kid` may make them be fetched again |
/// | `SAMTAK_WEB_PROVIDERS` | `ansatt,innbygger` | the identity providers, by name; each configured with `SAMTAK_WEB_PROVIDER_<NAME>_*` below |
///
/// Per provider (`<NAME>` upper-case, `-` as `_`): `_ISSUER` (the issuer URL, exactly as in its
/// discovery document), `_KIND` (`staff` or `citizen`), `_CLIENT_ID`, `_CLIENT_SECRET` (or
/// `_FILE`), `_AUTH_METHOD` (`client_secret_basic` or `client_secret_post`), `_ALGORITHM`
/// (`RS256` or `ES256`: the only algorithm its ID tokens may use), `_SCOPES`, `_LABEL` (the
/// button), `_EMAIL_VERIFIED` (`required`: staff are linked only by an `email` with
/// `email_verified: true`; `trusted`: the provider's `email` is the municipality's own),
/// `_ACR_VALUES` (e.g. `idporten-loa-substantial`).
public struct WebConfiguration: Sendable {
    public var mode: RuntimeMode
    public var publicURL: URL
    public var intakeURL: String
    /// `SAMTAK_WEB_INTAKE_CONNECTIONS`: outgoing calls in flight at once.
    public var intakeConnections: Int
    public var signingKey: ES256PrivateKey
    public var sessionIdle: Int
    public var sessionLifetime: Int
    public var clockLeeway: Int
    public var jwksMaxAge: Int
    public var jwksMinimumRefresh: Int
    public var providers: [ProviderConfiguration]
    public var identity: IdentityNumberProtection
    /// Key of the keyed hash that stands for a provider's subject in the tables (derived from
    /// `SAMTAK_IDENTITY_HASH_KEY`).
    public var subjectHashKey: [UInt8]

    public struct ProviderConfiguration: Sendable, Equatable {
        public enum Kind: String, Sendable { case staff, citizen }
        public enum AuthMethod: String, Sendable { case basic = "client_secret_basic", post = "client_secret_post" }
        public enum EmailPolicy: String, Sendable { case required, trusted }

        public var name: String
        public var kind: Kind
        public var issuer: String
        public var clientID: String
        public var clientSecret: String
        public var authMethod: AuthMethod
        public var algorithm: JWSAlgorithm
        public var scopes: String
        public var label: String
        public var emailPolicy: EmailPolicy
        public var acrValues: String?
    }

    /// The development client secret of the local provider (which accepts any).
    public static let developmentClientSecret = "samtak-web-development-client-secret"

    public init(environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        mode = try reader.choice("SAMTAK_ENV", default: .development)
        let publicText = reader.string("SAMTAK_WEB_PUBLIC_URL", default: "http://127.0.0.1:8090")
        guard let publicURL = URL(string: publicText.hasSuffix("/") ? String(publicText.dropLast()) : publicText),
              let scheme = publicURL.scheme, ["http", "https"].contains(scheme), publicURL.host != nil,
              publicURL.query == nil, publicURL.path.isEmpty
        else { throw ConfigurationError(variable: "SAMTAK_WEB_PUBLIC_URL", problem: "expected http(s)://host[:port] without a path") }
        if mode == .production && scheme != "https" {
            throw ConfigurationError(variable: "SAMTAK_WEB_PUBLIC_URL", problem: "must be https in production (cookies are Secure)")
        }
        self.publicURL = publicURL
        intakeURL = reader.string("SAMTAK_WEB_INTAKE_URL", default: "http://127.0.0.1:8080")
        intakeConnections = try reader.integer("SAMTAK_WEB_INTAKE_CONNECTIONS", default: 32, range: 1...512)
        guard intakeURL.hasPrefix("http://") || intakeURL.hasPrefix("https://") else {
            throw ConfigurationError(variable: "SAMTAK_WEB_INTAKE_URL", problem: "expected an http(s) URL")
        }
        signingKey = try WebAccessToken.signingKey(reader, mode: mode)
        sessionIdle = try reader.integer("SAMTAK_WEB_SESSION_IDLE_S", default: 1800, range: 1...86_400)
        sessionLifetime = try reader.integer("SAMTAK_WEB_SESSION_MAX_S", default: 8 * 3600, range: 1...7 * 86_400)
        clockLeeway = try reader.integer("SAMTAK_WEB_CLOCK_LEEWAY_S", default: 60, range: 0...600)
        jwksMaxAge = try reader.integer("SAMTAK_WEB_JWKS_MAX_AGE_S", default: 3600, range: 1...86_400)
        jwksMinimumRefresh = try reader.integer("SAMTAK_WEB_JWKS_MIN_REFRESH_S", default: 10, range: 0...3600)
        identity = try IdentityNumberProtection(environment: environment)
        let hashKey = try reader.secret("SAMTAK_IDENTITY_HASH_KEY", developmentDefault: IdentityNumberProtection.developmentHashKey, mode: mode)
        subjectHashKey = Crypto.hmacSHA256(key: Array(hashKey.utf8), message: Array("samtak sign-in subject v1".utf8))

        let names = reader.string("SAMTAK_WEB_PROVIDERS", default: "ansatt,innbygger")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty, Set(names).count == names.count,
              names.allSatisfy({ $0.count <= 40 && $0.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" } })
        else { throw ConfigurationError(variable: "SAMTAK_WEB_PROVIDERS", problem: "expected distinct names of a-z, 0-9 and '-', separated by commas") }
        var providers: [ProviderConfiguration] = []
        for name in names {
            providers.append(try Self.provider(name, reader: reader, mode: mode))
        }
        self.providers = providers
    }

    static func provider(_ name: String, reader: EnvironmentReader, mode: RuntimeMode) throws(ConfigurationError) -> ProviderConfiguration {
        let prefix = "SAMTAK_WEB_PROVIDER_\(name.uppercased().replacingOccurrences(of: "-", with: "_"))_"
        let defaultKind: ProviderConfiguration.Kind = name == "innbygger" ? .citizen : .staff
        let kind = try reader.choice(prefix + "KIND", default: defaultKind)
        let issuer = reader.string(prefix + "ISSUER", default: mode == .development ? "http://127.0.0.1:9400" : "")
        guard let url = URL(string: issuer), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil, url.query == nil else {
            throw ConfigurationError(variable: prefix + "ISSUER", problem: "expected the issuer's http(s) URL")
        }
        if mode == .production && scheme != "https" {
            throw ConfigurationError(variable: prefix + "ISSUER", problem: "must be https in production")
        }
        let clientID = reader.string(prefix + "CLIENT_ID", default: mode == .development ? "samtak-web" : "")
        guard !clientID.isEmpty else { throw ConfigurationError(variable: prefix + "CLIENT_ID", problem: "must be set") }
        let secret = try reader.secret(prefix + "CLIENT_SECRET", developmentDefault: developmentClientSecret, mode: mode, minimumBytes: 1)
        let scopes = reader.string(prefix + "SCOPES", default: kind == .staff ? "openid profile email" : "openid profile")
        guard scopes.split(separator: " ").contains("openid") else {
            throw ConfigurationError(variable: prefix + "SCOPES", problem: "must include openid")
        }
        let label = reader.string(prefix + "LABEL", default: kind == .staff ? "Logg inn som ansatt" : "Logg inn med ID-porten")
        let acr = reader.string(prefix + "ACR_VALUES", default: "")
        return ProviderConfiguration(
            name: name, kind: kind, issuer: issuer, clientID: clientID, clientSecret: secret,
            authMethod: try reader.choice(prefix + "AUTH_METHOD", default: .basic),
            algorithm: try Self.algorithm(reader, prefix + "ALGORITHM"),
            scopes: scopes, label: label,
            emailPolicy: try reader.choice(prefix + "EMAIL_VERIFIED", default: .required),
            acrValues: acr.isEmpty ? nil : acr)
    }

    static func algorithm(_ reader: EnvironmentReader, _ variable: String) throws(ConfigurationError) -> JWSAlgorithm {
        let algorithm = try reader.choice(variable, default: JWSAlgorithm.rs256)
        guard algorithm != .hs256 else {
            throw ConfigurationError(variable: variable, problem: "ID tokens must be signed with RS256 or ES256")
        }
        return algorithm
    }

    /// Cookies are `Secure` (with the `__Host-` prefix) when browsers reach us over TLS.
    public var secureCookies: Bool { publicURL.scheme == "https" }

    /// `scheme://host[:port]`.
    public var origin: String { publicURL.absoluteString }

    public func provider(named name: String) -> ProviderConfiguration? { providers.first { $0.name == name } }

    /// The redirect URI registered at the provider.
    public func redirectURI(_ provider: ProviderConfiguration) -> String { "\(origin)/logg-inn/\(provider.name)/callback" }
}
