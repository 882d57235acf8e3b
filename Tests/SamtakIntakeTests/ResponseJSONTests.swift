import Foundation
import SamtakDomain
@testable import SamtakIntake
import Testing

/// ``ResponseJSON`` writes exactly what Foundation's `JSONEncoder` writes with the API's
/// settings, for every kind of value a response holds. Pure: no I/O. (Debug builds also
/// compare the two on every response the other tests make.)
@Suite("Response JSON: Foundation's bytes, faster")
struct ResponseJSONTests {
    enum Kind: String, Codable { case named, anonymous }
    struct Inner: Codable { var itemID: UUID; var startsAt: Date; var note: String? }
    struct Custom: Encodable {
        func encode(to encoder: any Encoder) throws {
            var keyed = encoder.container(keyedBy: ResponseJSON.AnyKey.self)
            try keyed.encode("x", forKey: .init(stringValue: "firstValue"))
            var nested = keyed.nestedContainer(keyedBy: ResponseJSON.AnyKey.self, forKey: .init(stringValue: "nestedObject"))
            try nested.encodeNil(forKey: .init(stringValue: "nothingHere"))
            var list = keyed.nestedUnkeyedContainer(forKey: .init(stringValue: "someList"))
            try list.encode(1)
            try list.encode("two")
            var deeper = list.nestedContainer(keyedBy: ResponseJSON.AnyKey.self)
            try deeper.encode(true, forKey: .init(stringValue: "isDeep"))
            // A key written twice keeps its last value; equal keys among others.
            try keyed.encode("y", forKey: .init(stringValue: "firstValue"))
            try keyed.encode(1, forKey: .init(stringValue: "b"))
            try keyed.encode(2, forKey: .init(stringValue: "b"))
            try keyed.encode(3, forKey: .init(stringValue: "a"))
            try keyed.encode(4, forKey: .init(stringValue: "b"))
            try keyed.encode("non-ASCII name", forKey: .init(stringValue: "størrelseÆ"))
        }
    }
    struct Empty: Codable {}
    struct Everything: Encodable {
        var id = UUID()
        var title = "Sak \"1\" – æøå / \\ \n\t\r\u{1}\u{8}\u{c}\u{1f}\u{7f}\u{2028} 😀"
        var kind = Kind.anonymous
        var count = 42
        var negative = -7
        var big: Int64 = 9_007_199_254_740_993
        var unsigned: UInt8 = 255
        var whole = 3.0
        var fraction = 1.5
        var small = 1e-7
        var huge = 1e21
        var minusZero = -0.0
        var float: Float = 1.1
        var flag = false
        var createdAt = Date(timeIntervalSince1970: 1_796_542_119.999)
        var before1970 = Date(timeIntervalSince1970: -1.5)
        var missing: String? = nil
        var present: String? = "here"
        var items = [Inner(itemID: UUID(), startsAt: Date(timeIntervalSince1970: 0), note: nil),
                     Inner(itemID: UUID(), startsAt: Date(timeIntervalSince1970: 1_800_000_000), note: "n")]
        var byName = ["camelKey": 1, "b_key": 2, "A": 3]
        var nestedArrays = [[1, 2], [], [3]]
        var optionalsInArray: [Int?] = [1, nil, 3]
        var emptyObject = Empty()
        var custom = Custom()
        var url = URL(string: "https://samtak.no/v1/cases?x=1")!
        var data = Data([0, 1, 2, 250])
        var decimal = Decimal(string: "12.50")!
        var myURLProperty = "acronyms"
        var userID = "id suffix"
        var a1B = "digit then capital"
        var item2Value = 2
    }

    @Test("every kind of value, byte for byte")
    func sameBytes() throws {
        let value = Everything()
        let reference = try APIJSON.encoder().encode(value)
        let ours = Data(try ResponseJSON.encode(value))
        #expect(String(decoding: ours, as: UTF8.self) == String(decoding: reference, as: UTF8.self))
    }

    /// From 1700 on: before the Gregorian reform (1582) Foundation writes Julian dates, and
    /// no date the API accepts or keeps is that old (`DateInputRules`).
    @Test("dates: every second's form, from 1700 to 9999 and the year 10000")
    func dates() throws {
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [0, -1, -0.5, 86_399.999, 951_782_400, 1_835_395_200, 253_402_300_799, 253_402_300_800, -8_520_336_000]
        for _ in 0..<2000 { instants.append(Double.random(in: -8_520_336_000...253_402_300_799, using: &generator)) }
        let dates = instants.map { Date(timeIntervalSince1970: $0) }
        #expect(String(decoding: try ResponseJSON.encode(dates), as: UTF8.self) == String(decoding: try APIJSON.encoder().encode(dates), as: UTF8.self))
    }

    @Test("top-level values: arrays, strings, optionals; a value that encodes nothing throws as Foundation does")
    func topLevel() throws {
        for value in [AnyEncodable([1, 2]), AnyEncodable("text"), AnyEncodable([String: Int]()), AnyEncodable(Optional<Int>.none),
                      AnyEncodable(Date(timeIntervalSince1970: 0)), AnyEncodable([Empty()])] {
            #expect(Data(try ResponseJSON.encode(value)) == (try APIJSON.encoder().encode(value)))
        }
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        #expect(throws: EncodingError.self) { try ResponseJSON.encode(Nothing()) }
        #expect(throws: EncodingError.self) { try ResponseJSON.encode(Double.nan) }
    }

    struct AnyEncodable: Encodable {
        let value: any Encodable
        init(_ value: any Encodable) { self.value = value }
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }
}
