import Foundation

/// The claims of an OpenID Connect ID token that Samtak reads (OpenID Connect Core §2), and
/// their validation (§3.1.3.7). `aud` may be a string or an array; `email_verified` a boolean
/// or the strings "true"/"false" (some providers send strings).
public struct IDTokenClaims: Decodable, Sendable, Equatable {
    public var iss: String
    public var sub: String
    public var aud: [String]
    public var exp: Int
    public var iat: Int
    public var nbf: Int?
    public var nonce: String?
    public var azp: String?
    public var email: String?
    public var emailVerified: Bool?
    public var name: String?
    /// ID-porten's national identity number ("personidentifikator").
    public var pid: String?
    public var acr: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nbf, nonce, azp, email, name, pid, acr
        case emailVerified = "email_verified"
    }

    public init(iss: String, sub: String, aud: [String], exp: Int, iat: Int, nbf: Int? = nil, nonce: String? = nil, azp: String? = nil,
                email: String? = nil, emailVerified: Bool? = nil, name: String? = nil, pid: String? = nil, acr: String? = nil) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.nonce = nonce
        self.azp = azp
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.pid = pid
        self.acr = acr
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        iss = try container.decode(String.self, forKey: .iss)
        sub = try container.decode(String.self, forKey: .sub)
        if let single = try? container.decode(String.self, forKey: .aud) {
            aud = [single]
        } else {
            aud = try container.decode([String].self, forKey: .aud)
        }
        exp = try Self.seconds(container, .exp) ?? { throw DecodingError.keyNotFound(CodingKeys.exp, .init(codingPath: [], debugDescription: "exp")) }()
        iat = try Self.seconds(container, .iat) ?? { throw DecodingError.keyNotFound(CodingKeys.iat, .init(codingPath: [], debugDescription: "iat")) }()
        nbf = try Self.seconds(container, .nbf)
        nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
        azp = try container.decodeIfPresent(String.self, forKey: .azp)
        email = try? container.decodeIfPresent(String.self, forKey: .email)
        if let flag = try? container.decodeIfPresent(Bool.self, forKey: .emailVerified) {
            emailVerified = flag
        } else if let text = try? container.decodeIfPresent(String.self, forKey: .emailVerified) {
            emailVerified = text == "true" ? true : text == "false" ? false : nil
        } else {
            emailVerified = nil
        }
        name = try? container.decodeIfPresent(String.self, forKey: .name)
        pid = try? container.decodeIfPresent(String.self, forKey: .pid)
        acr = try? container.decodeIfPresent(String.self, forKey: .acr)
    }

    /// NumericDate: a JSON number (seconds; fractions are cut).
    static func seconds(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        guard let value = try container.decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard value.isFinite, abs(value) < 1e12 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a NumericDate")
        }
        return Int(value)
    }

    /// Why an ID token's claims were refused.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case wrongIssuer, wrongAudience, wrongAuthorizedParty, expired, notYetValid, issuedInFuture, tooOld
        case missingNonce, wrongNonce

        public var description: String {
            switch self {
            case .wrongIssuer: "the ID token was issued by another issuer"
            case .wrongAudience: "the ID token is meant for another client"
            case .wrongAuthorizedParty: "the ID token names another authorized party"
            case .expired: "the ID token has expired"
            case .notYetValid: "the ID token is not valid yet"
            case .issuedInFuture: "the ID token claims to be issued in the future"
            case .tooOld: "the ID token was issued too long ago"
            case .missingNonce: "the ID token has no nonce"
            case .wrongNonce: "the ID token's nonce is not the one sent"
            }
        }
    }

    /// Checks the claims for a sign-in: `iss` exactly, `aud` contains the client (and `azp`,
    /// if present or if there are several audiences, is the client), `exp`, `nbf` and `iat`
    /// against `now` with `leeway` seconds, `iat` no older than `maximumAge`, and the nonce.
    public func validate(issuer: String, clientID: String, nonce expectedNonce: String, now: Date, leeway: Int = 60,
                         maximumAge: Int = 600) throws(Problem) {
        let seconds = Int(now.timeIntervalSince1970)
        guard iss == issuer else { throw .wrongIssuer }
        guard aud.contains(clientID) else { throw .wrongAudience }
        if aud.count > 1 || azp != nil {
            guard azp == clientID else { throw .wrongAuthorizedParty }
        }
        guard exp + leeway > seconds else { throw .expired }
        if let nbf, nbf - leeway > seconds { throw .notYetValid }
        guard iat - leeway <= seconds else { throw .issuedInFuture }
        guard seconds - iat <= maximumAge + leeway else { throw .tooOld }
        guard let nonce else { throw .missingNonce }
        guard Crypto.constantTimeEquals(Array(nonce.utf8), Array(expectedNonce.utf8)) else { throw .wrongNonce }
    }
}
