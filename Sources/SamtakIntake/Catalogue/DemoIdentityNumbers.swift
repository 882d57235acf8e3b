import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// Identity numbers for the demo's guardians, so they can sign in through the local
/// provider as citizens (its `pid` claim). Synthetic numbers of Skatteetaten's Test-Norge
/// kind (month + 80), so none can be a real person's; stored only as the keyed hash.
public enum DemoIdentityNumbers {
    /// The synthetic number of the `index`-th demo guardian: born 1 + index % 28 in month
    /// 1 + index / 28 of 1985, with the first individual number from 400 whose check digits work.
    public static func synthetic(index: Int) -> String {
        let day = 1 + index % 28
        let month = 81 + (index / 28) % 12
        let prefix = String(format: "%02d%02d85", day, month)
        for individual in 400...499 {
            for check in 0..<100 {
                let candidate = prefix + String(format: "%03d%02d", individual, check)
                if (try? NationalIdentityNumber(validating: candidate, allowSynthetic: true)) != nil { return candidate }
            }
        }
        preconditionFailure("no synthetic number for index \(index)")
    }

    /// Gives every guardian in the register who has none a synthetic number (in the order of
    /// their e-mail addresses, so a demo always gets the same ones), stored as the keyed hash;
    /// returns guardian id → number for the demo's users file.
    public static func assign(on connection: PostgresConnection, protection: IdentityNumberProtection) throws -> [UUID: String] {
        let guardians = try connection.query("""
            SELECT id, national_id_hash FROM people WHERE kind = 'guardian' ORDER BY email, id
            """).map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(Data?.self, 1)) }
        var numbers: [UUID: String] = [:]
        for (index, (id, stored)) in guardians.enumerated() {
            let number = synthetic(index: index)
            let hash = Data(protection.lookupHash(digits: number))
            if stored == nil {
                try connection.execute("UPDATE people SET national_id_hash = \(hash) WHERE id = \(id) AND national_id_hash IS NULL")
            } else if stored != hash {
                continue  // a number from elsewhere: not the demo's
            }
            numbers[id] = number
        }
        return numbers
    }
}
