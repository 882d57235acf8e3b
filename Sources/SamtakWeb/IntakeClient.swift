import Foundation
import SamtakDomain
import SamtakJOSE
import SamtakRuntime
import Synchronization

/// Calls to the intake API on behalf of a signed-in person, each with a short-lived ES256
/// token (`WebAccessToken`) for that person. A token is reused while it has more than a
/// minute left, so the intake's verified-token cache saves it a signature check per request.
public final class IntakeClient: Sendable {
    let baseURL: String
    let key: ES256PrivateKey
    let client: CurlHTTPClient
    private let tokens = Mutex<[UUID: (token: String, expires: Date)]>([:])

    public init(baseURL: String, key: ES256PrivateKey, client: CurlHTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
        self.client = client
    }

    func token(for person: UUID, now: Date = Date()) -> String {
        if let cached = tokens.withLock({ $0[person] }), cached.expires.timeIntervalSince(now) > 60 { return cached.token }
        let token = WebAccessToken.sign(personId: person, key: key, now: now)
        tokens.withLock { tokens in
            if tokens.count > 10_000 { tokens.removeAll(keepingCapacity: true) }
            tokens[person] = (token, now.addingTimeInterval(TimeInterval(WebAccessToken.maximumLifetime)))
        }
        return token
    }

    /// What the intake answered.
    enum Failure: Error, Equatable {
        /// 401: the person is not (or no longer) active, or the token was refused.
        case unauthorized
        /// 403 / 404: not allowed, or does not exist (the API does not say which).
        case notFound
        /// No answer, a 5xx, or a body that is not what the API documents.
        case unavailable
    }

    /// `GET /v1/me`: the signed-in person's name, kind and roles.
    struct Me: Sendable {
        struct Membership: Sendable {
            var unitId: UUID
            var unitName: String
            var role: String
            var title: String
        }
        var id: UUID
        var kind: String
        var name: String
        var administrator: Bool
        var memberships: [Membership]
    }

    /// `Me` from an answer already read as JSON (`/v1/me`, or `/v1/me/tasks`'s `person`); nil
    /// when it is not one. The one reading of a person, wherever the answer comes from.
    static func me(json: Any?) -> Me? {
        guard let object = json as? [String: Any], let id = (object["id"] as? String).flatMap(UUID.init(uuidString:)),
              let kind = object["kind"] as? String, let name = object["name"] as? String,
              let administrator = object["administrator"] as? Bool, let memberships = object["memberships"] as? [[String: Any]]
        else { return nil }
        var parsed: [Me.Membership] = []
        for item in memberships {
            guard let unitId = (item["unit_id"] as? String).flatMap(UUID.init(uuidString:)), let unitName = item["unit_name"] as? String,
                  let role = item["role"] as? String else { return nil }
            parsed.append(.init(unitId: unitId, unitName: unitName, role: role, title: item["title"] as? String ?? ""))
        }
        return Me(id: id, kind: kind, name: name, administrator: administrator, memberships: parsed)
    }

    /// `GET /v1/me`: `unauthorized` when the person is no longer active.
    func me(_ person: UUID) async throws(Failure) -> Me {
        guard let me = Self.me(json: try await object("/v1/me", as: person)) else { throw .unavailable }
        return me
    }
}
