import Foundation
import SamtakDomain
import SamtakPostgres

/// A domain code stored as text (shared by every service's stores). Decoding a value the code does not know fails (a
/// `decoding` error naming the type, never the value) instead of falling back to a default.
public protocol StoredCode: RawRepresentable, PostgresEncodable, PostgresDecodable where RawValue == String {}

extension StoredCode {
    public static var postgresTypeOID: UInt32 { PostgresOID.text }
    public var postgresText: String { rawValue }
    public init(postgresText text: String) throws(PostgresError) {
        guard let value = Self(rawValue: text) else { throw PostgresError(kind: .decoding, context: "unknown \(Self.self) code") }
        self = value
    }
}

extension MeetingStatus: StoredCode {}
extension MinutesStatus: StoredCode {}
extension CaseStatus: StoredCode {}
extension CaseDecision: StoredCode {}
extension CaseKind: StoredCode {}
extension ArenaKind: StoredCode {}
extension PersonKind: StoredCode {}
extension ServiceKind: StoredCode {}
extension DeliveryMode: StoredCode {}
extension TransitionStage: StoredCode {}
extension CoordinatorKind: StoredCode {}
extension HandoverStatus: StoredCode {}
extension CoordinationLogStatus: StoredCode {}
extension MeasureStatus: StoredCode {}
extension MeasureSource: StoredCode {}
extension LogNoteKind: StoredCode {}
extension Role: StoredCode {}
extension ConsentMethod: StoredCode {}
extension GuardianshipSource: StoredCode {}
extension CorrectionReason: StoredCode {}
