import COpenSSLCrypto
import Foundation
import Hummingbird
import SamtakDomain
import SamtakPostgres
import HTTPTypes

/// The response a change produced: kept with its Idempotency-Key.
public struct MutationResult: Sendable {
    public var status: HTTPResponse.Status
    public var body: Data
    public var location: String?

    public init<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, location: String? = nil) throws {
        self.status = status
        self.body = try APIJSON.encode(value)
        self.location = location
    }
}

extension IntakeEnvironment {
    /// Runs a change in one transaction. With an `Idempotency-Key` header the first
    /// response for (caller, key) is stored in the same transaction and returned again for
    /// a retry with the same method, path and body; the same key with anything else is a 422.
    /// A change that fails stores nothing, so a retry runs it again.
    func mutate(
        _ request: Request, context: IntakeRequestContext, body: Data,
        _ change: @escaping @Sendable (PostgresConnection, Principal) throws -> MutationResult
    ) async throws -> Response {
        let principal = try context.requirePrincipal()
        let key = request.headers[.idempotencyKey]
        if let key, key.isEmpty || key.count > 200 || !key.allSatisfy({ $0.isASCII && !$0.isNewline }) {
            throw Problem.field("Idempotency-Key", "format", "must be 1 to 200 printable ASCII characters")
        }
        // Only a request with a key is remembered (canonicalising the body is not free).
        let hash = key == nil ? "" : Self.requestHash(method: request.method.rawValue, path: request.uri.path, body: body)
        let result: MutationResult = try await pool.withTransaction { connection in
            if let key {
                let inserted = try connection.execute(SQL("""
                    INSERT INTO idempotency_keys (principal_id, key, request_hash) VALUES (\(principal.personId), \(key), \(hash))
                    ON CONFLICT DO NOTHING
                    """).prepared)
                if inserted == 0 {
                    let row = try connection.query(SQL("""
                        SELECT request_hash, status, response_body, location FROM idempotency_keys
                        WHERE principal_id = \(principal.personId) AND key = \(key)
                        """).prepared).first
                    guard let row, try row.decode(String.self, 0) == hash else {
                        throw Problem(.unprocessableContent, code: "idempotency_key_reused",
                                      title: "This Idempotency-Key was used for a different request",
                                      violations: [.init(field: "Idempotency-Key", rule: "reused", message: "was used with another method, path or body")])
                    }
                    guard let status = try row.decode(Int?.self, 1), let stored = try row.decode(String?.self, 2) else {
                        throw Problem.conflict("idempotency_in_progress", "the first request with this key has not finished")
                    }
                    var replay = MutationResult.raw(status: HTTPResponse.Status(code: status), body: Data(stored.utf8))
                    replay.location = try row.decode(String?.self, 3)
                    return replay
                }
            }
            let result = try change(connection, principal)
            if let key {
                try connection.execute(SQL("""
                    UPDATE idempotency_keys SET status = \(Int(result.status.code)), response_body = \(String(decoding: result.body, as: UTF8.self)),
                           location = \(result.location)
                    WHERE principal_id = \(principal.personId) AND key = \(key)
                    """).prepared)
            }
            return result
        }
        return APIJSON.rawResponse(result.body, status: result.status, location: result.location)
    }

    /// The request's identity for Idempotency-Key: method, path, and the body as canonical
    /// JSON (sorted keys), so the same JSON sent with another key order or spacing matches.
    static func requestHash(method: String, path: String, body: Data) -> String {
        var input = Array("\(method) \(path)\n".utf8)
        if let object = try? JSONSerialization.jsonObject(with: body), JSONSerialization.isValidJSONObject(object),
           let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            input.append(contentsOf: canonical)
        } else {
            input.append(contentsOf: body)
        }
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = input.withUnsafeBufferPointer { SHA256($0.baseAddress, input.count, &digest) }
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Reads in a transaction (so the access log row commits with the read).
    func read<T: Sendable>(_ context: IntakeRequestContext, _ body: @escaping @Sendable (PostgresConnection, Principal) throws -> T) async throws -> T {
        let principal = try context.requirePrincipal()
        return try await pool.withTransaction { connection in try body(connection, principal) }
    }
}

extension MutationResult {
    init(status: HTTPResponse.Status, body: Data, location: String?) {
        self.status = status
        self.body = body
        self.location = location
    }

    static func raw(status: HTTPResponse.Status, body: Data) -> MutationResult {
        MutationResult(status: status, body: body, location: nil)
    }
}

/// The access log: who read or changed a child's data, when, and on which basis. Written
/// in the transaction of the read or change it records.
public enum AccessLog {
    /// `correct`: an administrator ended a guardianship or consent (see `register_corrections`).
    public enum Action: String, Sendable { case read, create, update, withdraw, export, correct }

    public static func record(
        on connection: PostgresConnection, actor: UUID, action: Action, resource: String, resourceId: UUID?,
        childId: UUID?, basis: AccessBasis, consentId: UUID? = nil, requestId: String? = nil
    ) throws {
        try connection.execute(SQL("""
            INSERT INTO access_log (actor_id, action, resource, resource_id, child_id, basis, consent_id, request_id)
            VALUES (\(actor), \(action.rawValue), \(resource), \(resourceId), \(childId), \(basis.rawValue), \(consentId), \(requestId))
            """).prepared)
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header).
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
