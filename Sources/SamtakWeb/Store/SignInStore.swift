import Foundation
import SamtakPostgres

/// A signed-in browser's session (a row of `web_sessions`).
public struct WebSession: Sendable, Equatable {
    public var idHash: [UInt8]
    public var personId: UUID
    public var provider: String
    public var issuer: String
    public var csrfToken: String
    public var idTokenSealed: [UInt8]?
}

/// A sign-in in progress (a row of `web_sign_in_attempts`).
struct SignInAttempt: Sendable {
    var browserHash: [UInt8]
    var provider: String
    var nonce: String
    var codeVerifier: String
    var returnTo: String
    var expired: Bool
}

/// Who an external identity is in the register.
enum Resolution: Sendable, Equatable {
    case person(UUID)
    case notRegistered
    case ambiguous
}

/// The sign-in tables (Schema/0012): attempts, identity links, sessions and the audit. Every
/// function is one short transaction; every value is a bind parameter.
struct SignInStore: Sendable {
    let pool: PostgresPool

    // MARK: Attempts

    func insertAttempt(stateHash: [UInt8], browserHash: [UInt8], provider: String, nonce: String, codeVerifier: String,
                       returnTo: String, lifetime: Int) async throws {
        try await pool.withConnection { connection in
            _ = try connection.execute("DELETE FROM web_sign_in_attempts WHERE expires_at < now()")
            _ = try connection.execute("""
                INSERT INTO web_sign_in_attempts (state_hash, browser_hash, provider, nonce, code_verifier, return_to, expires_at)
                VALUES (\(Data(stateHash)), \(Data(browserHash)), \(provider), \(nonce), \(codeVerifier), \(returnTo),
                        now() + make_interval(secs => \(lifetime)))
                """)
        }
    }

    /// Takes (deletes) the attempt: a state is answered once.
    func takeAttempt(stateHash: [UInt8]) async throws -> SignInAttempt? {
        try await pool.withConnection { connection in
            try connection.query("""
                DELETE FROM web_sign_in_attempts WHERE state_hash = \(Data(stateHash))
                RETURNING browser_hash, provider, nonce, code_verifier, return_to, expires_at < now()
                """).first.map { row throws(PostgresError) in
                SignInAttempt(browserHash: Array(try row.decode(Data.self, 0)), provider: try row.decode(String.self, 1),
                              nonce: try row.decode(String.self, 2), codeVerifier: try row.decode(String.self, 3),
                              returnTo: try row.decode(String.self, 4), expired: try row.decode(Bool.self, 5))
            }
        }
    }

    // MARK: Who is it

    /// A staff member: by an existing link, else by a verified e-mail (which creates the link).
    func resolveStaff(issuer: String, subjectHash: [UInt8], email: String?) async throws -> Resolution {
        try await pool.withTransaction { connection in
            if let linked = try Self.linkedPerson(issuer: issuer, subjectHash: subjectHash, kinds: ["staff"], on: connection) {
                return .person(linked)
            }
            guard let email, !email.isEmpty else { return .notRegistered }
            let matches = try connection.query("""
                SELECT id FROM people WHERE kind = 'staff' AND active AND lower(email) = lower(\(email)) LIMIT 2
                """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            return try Self.link(matches, issuer: issuer, subjectHash: subjectHash, by: "email", on: connection)
        }
    }

    /// A citizen: the guardian or young person whose identity number has this keyed hash
    /// (young people also through their child record).
    func resolveCitizen(issuer: String, subjectHash: [UInt8], identityHash: [UInt8]) async throws -> Resolution {
        try await pool.withTransaction { connection in
            let hash = Data(identityHash)
            let matches = try connection.query("""
                SELECT id FROM people WHERE national_id_hash = \(hash) AND active AND kind IN ('guardian', 'young_person')
                UNION
                SELECT p.id FROM children c JOIN people p ON p.id = c.person_id
                WHERE c.national_id_hash = \(hash) AND p.active AND p.kind = 'young_person'
                LIMIT 2
                """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            return try Self.link(matches, issuer: issuer, subjectHash: subjectHash, by: "pid", on: connection)
        }
    }

    static func linkedPerson(issuer: String, subjectHash: [UInt8], kinds: [String], on connection: PostgresConnection) throws -> UUID? {
        let found = try connection.query("""
            UPDATE identity_links l SET last_sign_in_at = now()
            FROM people p
            WHERE l.issuer = \(issuer) AND l.subject_hash = \(Data(subjectHash)) AND p.id = l.person_id AND p.active AND p.kind = ANY(\(kinds))
            RETURNING l.person_id
            """)
        return try found.first?.decode(UUID.self, 0)
    }

    static func link(_ matches: [UUID], issuer: String, subjectHash: [UInt8], by method: String, on connection: PostgresConnection) throws -> Resolution {
        guard let person = matches.first else { return .notRegistered }
        guard matches.count == 1 else { return .ambiguous }
        _ = try connection.execute("""
            INSERT INTO identity_links (issuer, subject_hash, person_id, linked_by)
            VALUES (\(issuer), \(Data(subjectHash)), \(person), \(method))
            ON CONFLICT (issuer, subject_hash) DO UPDATE
            SET person_id = excluded.person_id, linked_by = excluded.linked_by, linked_at = now(), last_sign_in_at = now()
            """)
        return .person(person)
    }

    // MARK: Sessions

    /// Creates a session and records the sign-in, in one transaction; ends `replacing` (the
    /// browser's previous session, if any).
    func createSession(_ session: WebSession, lifetime: Int, replacing previous: [UInt8]?, audit: SignInEvent) async throws {
        try await pool.withTransaction { connection in
            if let previous {
                _ = try connection.execute("DELETE FROM web_sessions WHERE id_hash = \(Data(previous))")
            }
            _ = try connection.execute("""
                INSERT INTO web_sessions (id_hash, person_id, provider, issuer, csrf_token, id_token_sealed, expires_at)
                VALUES (\(Data(session.idHash)), \(session.personId), \(session.provider), \(session.issuer), \(session.csrfToken),
                        \(session.idTokenSealed.map { Data($0) }), now() + make_interval(secs => \(lifetime)))
                """)
            try Self.record(audit, on: connection)
        }
    }

    enum SessionLookup: Sendable, Equatable {
        case valid(WebSession)
        /// Found, but past its idle timeout or its absolute lifetime: deleted now.
        case expired(personId: UUID, provider: String, issuer: String, outcome: String)
        case unknown
    }

    /// The session with this id hash; refreshes its last use (at most once a minute, or half
    /// the idle timeout if that is shorter, so a burst of requests costs no writes).
    func session(idHash: [UInt8], idle: Int) async throws -> SessionLookup {
        try await pool.withConnection { connection in
            // Prepared: every page request makes this look-up.
            guard let row = try connection.query(SQL("""
                SELECT person_id, provider, issuer, csrf_token, id_token_sealed,
                       expires_at <= now(), last_seen_at + make_interval(secs => \(idle)) <= now(),
                       last_seen_at < now() - make_interval(secs => \(max(1, min(60, idle / 2))))
                FROM web_sessions WHERE id_hash = \(Data(idHash))
                """).prepared).first
            else { return .unknown }
            let session = try Self.session(row, idHash: idHash)
            let expired = try row.decode(Bool.self, 5)
            let idle = try row.decode(Bool.self, 6)
            if expired || idle {
                _ = try connection.execute("DELETE FROM web_sessions WHERE id_hash = \(Data(idHash))")
                return .expired(personId: session.personId, provider: session.provider, issuer: session.issuer,
                                outcome: expired ? "session_expired" : "session_idle")
            }
            if try row.decode(Bool.self, 7) {
                _ = try connection.execute("UPDATE web_sessions SET last_seen_at = now() WHERE id_hash = \(Data(idHash))")
            }
            return .valid(session)
        }
    }

    /// Ends a session and records it; returns the ended session (nil when there was none).
    func endSession(idHash: [UInt8], audit: @escaping @Sendable (WebSession) -> SignInEvent) async throws -> WebSession? {
        try await pool.withTransaction { connection in
            guard let row = try connection.query("""
                DELETE FROM web_sessions WHERE id_hash = \(Data(idHash))
                RETURNING person_id, provider, issuer, csrf_token, id_token_sealed
                """).first
            else { return nil }
            let session = try Self.session(row, idHash: idHash)
            try Self.record(audit(session), on: connection)
            return session
        }
    }

    /// A session from a row whose first columns are person_id, provider, issuer, csrf_token, id_token_sealed.
    static func session(_ row: PostgresRow, idHash: [UInt8]) throws(PostgresError) -> WebSession {
        WebSession(idHash: idHash, personId: try row.decode(UUID.self, 0), provider: try row.decode(String.self, 1),
                   issuer: try row.decode(String.self, 2), csrfToken: try row.decode(String.self, 3),
                   idTokenSealed: try row.decode(Data?.self, 4).map { Array($0) })
    }

    // MARK: Audit

    func record(_ event: SignInEvent) async throws {
        try await pool.withConnection { connection in try Self.record(event, on: connection) }
    }

    static func record(_ event: SignInEvent, on connection: PostgresConnection) throws {
        _ = try connection.execute("""
            INSERT INTO sign_in_events (event, outcome, provider, issuer, person_id, subject_hash, session_hash, request_id)
            VALUES (\(event.event.rawValue), \(event.outcome), \(event.provider), \(event.issuer), \(event.personId),
                    \(event.subjectHash.map { Data($0) }), \(event.sessionHash.map { Data($0) }), \(event.requestId))
            """)
    }
}

/// A row of `sign_in_events`: who (when known), which provider, the outcome.
struct SignInEvent: Sendable {
    enum Kind: String, Sendable { case signIn = "sign_in", signInFailed = "sign_in_failed", signOut = "sign_out", sessionRefused = "session_refused" }
    var event: Kind
    var outcome: String
    var provider: String?
    var issuer: String?
    var personId: UUID?
    var subjectHash: [UInt8]?
    var sessionHash: [UInt8]?
    var requestId: String?
}
