import Foundation
import SamtakJOSE
import SamtakRuntime
import SamtakTestSupport
import Testing

@Suite("JOSE: base64url, keys, JWS verification")
struct JOSETests {
    @Test("base64url round-trips every length and refuses padding, the standard alphabet and impossible lengths")
    func base64url() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
            #expect(text == Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
        }
        #expect(Base64URL.decode("YQ==") == nil)
        #expect(Base64URL.decode("a+b/") == nil)
        #expect(Base64URL.decode("abcde") == nil)
        #expect(Base64URL.decode("YR") == nil)  // non-zero left-over bits: not canonical
        #expect(Base64URL.decode("YQ") == Array("a".utf8))
        #expect(Base64URL.decode(" YQ") == nil)
    }

    @Test("ES256: sign and verify, raw r||s of 64 bytes, a changed message or signature fails")
    func es256RoundTrip() throws {
        let key = ES256PrivateKey.generate()
        let message = Array("header.payload".utf8)
        let signature = key.sign(message)
        #expect(signature.count == 64)
        #expect(key.publicKey.verify(.es256, message: message, signature: signature))
        #expect(!key.publicKey.verify(.es256, message: message + [0], signature: signature))
        var flipped = signature
        flipped[10] ^= 1
        #expect(!key.publicKey.verify(.es256, message: message, signature: flipped))
        #expect(!key.publicKey.verify(.rs256, message: message, signature: signature))
        #expect(!key.publicKey.verify(.hs256, message: message, signature: signature))
        // PEM round trip keeps the key.
        let again = try #require(ES256PrivateKey(pem: key.pem))
        #expect(again.publicKey.thumbprint == key.publicKey.thumbprint)
        #expect(PublicKey.fromPEM(key.publicKey.pem).first?.thumbprint == key.publicKey.thumbprint)
        #expect(ES256PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") == nil)
        // A point that is not on the curve is not a key.
        #expect(PublicKey(p256X: [UInt8](repeating: 1, count: 32), y: [UInt8](repeating: 2, count: 32)) == nil)
    }

    @Test("tokens made by joserfc: each verifies or fails exactly as expected, claims included")
    func joserfcVectors() async throws {
        let vectors = try await VenvPython.json([VenvPython.tool("jose_vectors.py"), "make"])
        let jwksData = try JSONSerialization.data(withJSONObject: try #require(vectors["jwks"]))
        let keys = try JWKSet(json: Array(jwksData))
        // rsa-1, ec-1 and the 1024-bit RSA key parse; P-384 and the symmetric key are left out.
        #expect(keys.keys.compactMap(\.kid).sorted() == ["ec-1", "rsa-1", "rsa-small"])
        #expect(keys.skipped == 2)
        let thumbprints = try #require(vectors["thumbprints"] as? [String: String])
        for (kid, thumbprint) in thumbprints {
            #expect(keys.keys.first { $0.kid == kid }?.key.thumbprint == thumbprint, "RFC 7638 thumbprint of \(kid)")
        }
        let issuer = try #require(vectors["issuer"] as? String)
        let clientID = try #require(vectors["client_id"] as? String)
        let nonce = try #require(vectors["nonce"] as? String)
        let now = Date(timeIntervalSince1970: try #require(vectors["now"] as? Double))
        let cases = try #require(vectors["cases"] as? [[String: Any]])
        #expect(cases.count >= 25)
        for vector in cases {
            let name = vector["name"] as? String ?? "?"
            let pinned = try #require(JWSAlgorithm(rawValue: vector["pinned"] as? String ?? ""))
            let token = try #require(vector["token"] as? String)
            let expected = vector["expect"] as? String ?? ""
            var outcome = "ok"
            var jws: CompactJWS?
            do {
                let parsed = try CompactJWS(token)
                jws = parsed
                try parsed.verify(algorithm: pinned, keys: keys)
            } catch {
                outcome = Self.caseName(error)
            }
            #expect(outcome == expected, "\(name): expected \(expected), got \(outcome)")
            guard outcome == "ok", let claimsExpected = vector["claims"] as? String, let jws else { continue }
            var claimsOutcome = "ok"
            do {
                let claims = try jws.claims(IDTokenClaims.self)
                try claims.validate(issuer: issuer, clientID: clientID, nonce: nonce, now: now, leeway: 60)
            } catch let problem as IDTokenClaims.Problem {
                claimsOutcome = Self.caseName(problem)
            }
            #expect(claimsOutcome == claimsExpected, "\(name): claims expected \(claimsExpected), got \(claimsOutcome)")
        }
        // HS256 by joserfc verifies with the secret only.
        let hs = try #require(vectors["hs256"] as? [String: String])
        let hsToken = try CompactJWS(try #require(hs["token"]))
        #expect(throws: Never.self) { try hsToken.verifyHS256(secret: Array(try #require(hs["secret"]).utf8)) }
        #expect(throws: JOSEError.badSignature) { try hsToken.verifyHS256(secret: Array("another-secret-of-at-least-32-bytes".utf8)) }
        // An HS256 token never verifies against a key set, whatever is pinned.
        #expect(throws: JOSEError.algorithmNotAllowed) { try hsToken.verify(algorithm: .rs256, keys: keys) }
        #expect(throws: JOSEError.algorithmNotAllowed) { try hsToken.verify(algorithm: .hs256, keys: keys) }
        // A key from joserfc's PEM signs what joserfc's JWK verifies.
        let privatePEM = try #require(vectors["ec_private_pem"] as? String)
        let key = try #require(ES256PrivateKey(pem: privatePEM))
        #expect(key.publicKey.thumbprint == thumbprints["ec-1"])
    }

    @Test("an ES256 token from Samtak (the web's token for the intake) verifies in joserfc")
    func samtakTokenVerifiesInJoserfc() async throws {
        let key = ES256PrivateKey.generate()
        let person = UUID()
        let token = WebAccessToken.sign(personId: person, key: key)
        let jwk = String(decoding: try JSONSerialization.data(withJSONObject: WebAccessToken.jwk(key.publicKey).members), as: UTF8.self)
        let result = try await VenvPython.json([VenvPython.tool("jose_vectors.py"), "verify", jwk, token])
        #expect(result["ok"] as? Bool == true, "\(result)")
        let claims = try #require(result["claims"] as? [String: Any])
        #expect(claims["sub"] as? String == person.uuidString.lowercased())
        #expect(claims["iss"] as? String == WebAccessToken.issuer)
        #expect(claims["aud"] as? String == WebAccessToken.audience)
        let lifetime = (claims["exp"] as? Int ?? 0) - (claims["iat"] as? Int ?? 0)
        #expect(lifetime == WebAccessToken.maximumLifetime)
        let header = try #require(result["header"] as? [String: Any])
        #expect(header["kid"] as? String == key.publicKey.thumbprint)
        // And the same token with one signature byte changed does not.
        var parts = token.split(separator: ".").map(String.init)
        var signature = try #require(Base64URL.decode(parts[2]))
        signature[5] ^= 0x40
        parts[2] = Base64URL.encode(signature)
        let broken = try await VenvPython.json([VenvPython.tool("jose_vectors.py"), "verify", jwk, parts.joined(separator: ".")])
        #expect(broken["ok"] as? Bool == false)
    }

    @Test("claims: aud as a string or an array, email_verified as a boolean or a string; NumericDate fractions")
    func claimsDecoding() throws {
        let json = #"{"iss":"i","sub":"s","aud":["a","b"],"exp":1900000000.5,"iat":1800000000,"email_verified":"true","pid":"01018500000"}"#
        let claims = try JSONDecoder().decode(IDTokenClaims.self, from: Data(json.utf8))
        #expect(claims.aud == ["a", "b"])
        #expect(claims.exp == 1_900_000_000)
        #expect(claims.emailVerified == true)
        #expect(claims.pid == "01018500000")
        let single = try JSONDecoder().decode(IDTokenClaims.self, from: Data(#"{"iss":"i","sub":"s","aud":"a","exp":2,"iat":1}"#.utf8))
        #expect(single.aud == ["a"])
        #expect(throws: (any Error).self) { try JSONDecoder().decode(IDTokenClaims.self, from: Data(#"{"iss":"i","sub":"s","aud":"a","iat":1}"#.utf8)) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(IDTokenClaims.self, from: Data(#"{"iss":"i","sub":"s","aud":7,"exp":2,"iat":1}"#.utf8)) }
    }

    /// The error's case name ("unknownKey", "expired", ...), as the vectors spell it.
    static func caseName(_ error: any Error) -> String {
        if let error = error as? JOSEError {
            return switch error {
            case .malformed: "malformed"
            case .algorithmNotAllowed: "algorithmNotAllowed"
            case .unsupportedCriticalHeader: "unsupportedCriticalHeader"
            case .unknownKey: "unknownKey"
            case .badSignature: "badSignature"
            case .malformedKeySet: "malformedKeySet"
            }
        }
        if let problem = error as? IDTokenClaims.Problem {
            return switch problem {
            case .wrongIssuer: "wrongIssuer"
            case .wrongAudience: "wrongAudience"
            case .wrongAuthorizedParty: "wrongAuthorizedParty"
            case .expired: "expired"
            case .notYetValid: "notYetValid"
            case .issuedInFuture: "issuedInFuture"
            case .tooOld: "tooOld"
            case .missingNonce: "missingNonce"
            case .wrongNonce: "wrongNonce"
            }
        }
        return "\(type(of: error))"
    }
}
