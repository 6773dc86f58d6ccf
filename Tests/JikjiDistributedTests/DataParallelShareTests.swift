import JikjiData
import JikjiDistributed
import JikjiWordPiece
import XCTest

/// What data-parallel training decides without MPI: how mpirun's environment is read, which
/// rows each rank takes, and the shares of a batch.
final class DataParallelShareTests: XCTestCase {
    func testLaunchIsReadFromOpenMPIsOrPMIxEnvironmentAndAbsentOtherwise() {
        XCTAssertNil(MPILaunch.detect(environment: [:]))
        XCTAssertNil(MPILaunch.detect(environment: ["PATH": "/usr/bin"]))
        XCTAssertEqual(MPILaunch.detect(environment: ["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"]), MPILaunch(rank: 1, size: 4))
        XCTAssertEqual(MPILaunch.detect(environment: ["PMIX_RANK": "0", "PMI_SIZE": "2"]), MPILaunch(rank: 0, size: 2))
        XCTAssertNil(MPILaunch.detect(environment: ["OMPI_COMM_WORLD_RANK": "5", "OMPI_COMM_WORLD_SIZE": "2"]), "a rank outside the job")
        XCTAssertEqual(DataParallelTraining.launchKind(environment: [:]), .alone)
        XCTAssertEqual(DataParallelTraining.launchKind(environment: ["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "1"]), .singleRank)
        XCTAssertEqual(DataParallelTraining.launchKind(environment: ["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "3"]), .ranks(3))
    }

    func testOneRankOrNoMPIJoinsNothing() throws {
        XCTAssertNil(try DataParallelTraining.join(environment: [:]))
        XCTAssertNil(try DataParallelTraining.join(environment: ["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "1"]))
    }

    func testSeveralRanksWithoutTheLibrarySayWhatToInstall() {
        let environment = ["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2", "JIKJI_MPI_LIBRARY": "/nowhere/libmpi.so.40"]
        XCTAssertThrowsError(try DataParallelTraining.join(environment: environment)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("started by mpirun as one of 2 ranks"), text)
            XCTAssertTrue(text.contains("/nowhere/libmpi.so.40"), text)
            XCTAssertTrue(text.contains("apt-get install openmpi-bin libopenmpi-dev"), text)
        }
    }

    func testRanksTakeDisjointRowsCoveringTheBatchInOrder() {
        for rows in [0, 1, 2, 7, 32, 33, 64] {
            for ranks in 1...5 {
                let shares = (0..<ranks).map { DataParallelTraining.rowRange(rank: $0, ranks: ranks, rows: rows) }
                XCTAssertEqual(shares.first?.lowerBound, 0)
                XCTAssertEqual(shares.last?.upperBound, rows)
                for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                XCTAssertLessThanOrEqual(shares.map(\.count).max()! - shares.map(\.count).min()!, 1, "balanced: \(rows) rows, \(ranks) ranks")
            }
        }
    }

    func testABatchsRowsKeepEveryPartOfTheirRowsAndTheWidths() {
        // 3 rows, width 4, post-padded; pairs and next tokens alongside.
        let source = PaddedSequences([[5, 6, 7], [8], [9, 10, 11, 12]], layout: SequenceLayout(), pad: 0)
        let decoder = PaddedSequences([[1, 2], [1, 3], [1]], layout: SequenceLayout(), pad: 0)
        let batch = Batch(indices: [10, 11, 12], source: source, labels: [0, 1, 0], decoderInput: decoder,
                          decoderOutput: [2, 9, 3, 9, 9, 0], nextTokens: Array(100..<112))
        let part = batch.rows(1..<3)
        XCTAssertEqual(part.size, 2)
        XCTAssertEqual(part.indices, [11, 12])
        XCTAssertEqual(part.labels, [1, 0])
        XCTAssertEqual(part.source.columns, source.columns)
        XCTAssertEqual(Array(part.source.tokens(ofRow: 0)), [8])
        XCTAssertEqual(Array(part.source.tokens(ofRow: 1)), [9, 10, 11, 12])
        XCTAssertEqual(part.source.lengths, [1, 4])
        XCTAssertEqual(Array(part.source.mask), Array(source.mask[4..<12]))
        XCTAssertEqual(part.decoderInput?.ids, Array(decoder.ids[2..<6]))
        XCTAssertEqual(part.decoderOutput, [3, 9, 9, 0])
        XCTAssertEqual(part.nextTokens, Array(104..<112))
        XCTAssertEqual(batch.rows(0..<0).size, 0)
    }
}
