// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {BLS} from "../../../contracts/consensus/BLS.sol";
import {BLSKeys, ConsensusFixture} from "./ConsensusFixture.sol";

/// @notice Exposes the BLS library externally, so that reverts can be expected.
contract BLSHarness {
    function expandMessageXmd(bytes memory m, bytes memory dst, uint256 length) external view returns (bytes memory) {
        return BLS.expandMessageXmd(m, dst, length);
    }

    function hashToG2(bytes memory m, bytes memory dst) external view returns (bytes memory) {
        return BLS.hashToG2(m, dst);
    }

    function g1Add(bytes memory a, bytes memory b) external view returns (bytes memory) {
        return BLS.g1Add(a, b);
    }

    function g1Negate(bytes memory a) external pure returns (bytes memory) {
        return BLS.g1Negate(a);
    }

    function g2Add(bytes memory a, bytes memory b) external view returns (bytes memory) {
        return BLS.g2Add(a, b);
    }

    function verify(bytes memory pk, bytes32 m, bytes memory sig, bytes memory dst) external view returns (bool) {
        return BLS.verify(pk, m, sig, dst);
    }
}

/// @notice The BLS library against py_ecc (the consensus-spec reference): expand_message_xmd and hash_to_curve byte
///         for byte (RFC 9380's own vector for the QUUX DST, the Ethereum SIG and POP DSTs), verification of
///         py_ecc-made signatures, and of signatures made on chain with the MSM precompiles. The vectors come from
///         `.venv/bin/python test/forge/consensus/bls_vectors.py` (same order).
contract BLSTest is ConsensusFixture {
    bytes internal constant DST_QUUX = "QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_";

    bytes internal constant XMD_QUUX_EMPTY_32 =
        hex"68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235";
    bytes internal constant XMD_ABC_SIG_256 =
        hex"e365310e1ffae24a4742b9e999174a43d83f68cf40d71d685bbba332747320a613afc3960651a9dbdf2c592f110cf686b74a726aa44ee763626b395618a74df8a79cc61a07731673f705a40332c5b45f05e2cdb94a4e0467b56ced47d04fecbaf391def395ade33a38e4ceda3c7b014c12fe6dadbfd982c0c61b9c88630428b3b4617c853c1bbf4e7e14ca7c0358dc00e28ca858965b91336b8f56e28f78682f3a1adfbf188116a4073b51851d6fac9c20af11d5ddb85765f319043591110f28d2b2fca32b9d267ca49dfeb19f1a5af3ae82a19982f6eb8fc83cc5fae07c60fe584bb6b039a4a824f1bbc049c11f7f3462c9006092d8711181f672e35a783c87";
    bytes internal constant H_EMPTY_QUUX =
        hex"000000000000000000000000000000000141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78a0000000000000000000000000000000005cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03d000000000000000000000000000000000503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd920000000000000000000000000000000012424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6";
    bytes internal constant H_EMPTY_SIG =
        hex"00000000000000000000000000000000102504549e1cbd3e95173eefe75a36aafcc6427d7f16ddc36daba4fc0ea32b7183d052de00a929950bd9f78c290b36860000000000000000000000000000000003b633b06dd88b63ee6180a849fb16f7d4a5823ec8a27294bfe57656c0f319a821478ccf453bacdc94ad1b79d95a00e40000000000000000000000000000000019a23fd623cb1726ab630b9f46f41cc9887d6f53c83294c69cbbac43f14806fe64064f60e6b69a6f186b3333a1b882260000000000000000000000000000000006ef26c3e5382e82cce3600ce1735d12d237bf853d7042d5e3963c82019da81c0428279f9d1211551cc585ed5932ab1c";
    bytes internal constant H_EMPTY_POP =
        hex"0000000000000000000000000000000018dc229e6e05deaf99aad014bc8fccb62ac4f3314746e36c5c846f0d6b5dc2261202b2014c1f83655ff8023fbeea25b3000000000000000000000000000000001911f0ecf793e5eb9652c0be71b0a838a57ba5b1cbe1f93ca7044469c1790c3b7643ac8dfbdd95217fe097f5348ec08b00000000000000000000000000000000140b56214d7fb33baf3d9cda127af55834c605b2e5b1d81969ca579cf7b4bb90ae4d1dfc8f69fe6c2909131ea525abc700000000000000000000000000000000026fbbec946954210a5a217064b095735e712359b43507fe19e3750fb224c1456708f013c45171bcefa854c38329f577";
    bytes internal constant H_ABC_QUUX =
        hex"0000000000000000000000000000000002c2d18e033b960562aae3cab37a27ce00d80ccd5ba4b7fe0e7a210245129dbec7780ccc7954725f4168aff2787776e600000000000000000000000000000000139cddbccdc5e91b9623efd38c49f81a6f83f175e80b06fc374de9eb4b41dfe4ca3a230ed250fbe3a2acf73a41177fd8000000000000000000000000000000001787327b68159716a37440985269cf584bcb1e621d3a7202be6ea05c4cfe244aeb197642555a0645fb87bf7466b2ba480000000000000000000000000000000000aa65dae3c8d732d10ecd2c50f8a1baf3001578f71c694e03866e9f3d49ac1e1ce70dd94a733534f106d4cec0eddd16";
    bytes internal constant H_ABC_SIG =
        hex"000000000000000000000000000000001400ddb63494b2f3717d8706a834f928323cef590dd1f2bc8edaf857889e82c9b4cf242324526c9045bc8fec05f98fe90000000000000000000000000000000014b38e10fd6d2d63dfe704c3f0b1741474dfeaef88d6cdca4334413320701c74e5df8c7859947f6901c0a3c30dba23c90000000000000000000000000000000000187452296c28d5206880d2a86e8c7fc79df88e20b906a1fc1d5855da6b2b4ae6f8c83a591e2e5350753d2d7fe3c7b40000000000000000000000000000000009c205210f33e9cdaaa4630b3f6fad29744224e5100456973fcaf031cdbce8ad3f71d42af3f7733a3985d3a3d2f4be53";
    bytes internal constant H_ABC_POP =
        hex"00000000000000000000000000000000068d94d16ded046cd523445e9985ff26337cfd47e406568043e879328ec5d51175a66eab9abe35fc1b3f086a0675477e0000000000000000000000000000000009be090e9a27aeb3f213a3d545ee6aab3395ffd61fdcdf4c7c7ffdec8a23c6d66a86289bc523ac26f843aa14adecd21c000000000000000000000000000000000c024773094c6fc8f62b8464ba51bb2757866b28ded1279b8c7a50354623aab3ffddc279e4f3dd74b6364ff43b45e1200000000000000000000000000000000003b17ef082a0cc14fd488cb9a7912b87de61ebe262f4292777c880407840360bc77608c3ead99ba6356d82b4bca57c4d";
    bytes internal constant H_DIGEST_QUUX =
        hex"000000000000000000000000000000001625dd1552d3072329bf49036768cc04e9a9c8d7fc3462969a2d0db650f71d880c02c53ca9cf155a0fb7164b204040710000000000000000000000000000000009d688cfbfc587ae1d04555ca5163c4199e20f14146722c290510c8f0521b843d4b83d4000342e93ee3a9197bbfe5521000000000000000000000000000000000f545e6678c4d9941ed2bacfd0f3056716bccb87e5be6cf8d03e2c7cb2b003583eae644e47c3778f09e8e6de2d854f350000000000000000000000000000000019376785795c1fa74decca9791526cf2160ff4004539bfc01499054a17047ca074e1749678e7af0a858a3628aca67181";
    bytes internal constant H_DIGEST_SIG =
        hex"0000000000000000000000000000000009765c00c303e5575ad2a2367c0da7ef8293590143ce8319d90c2e2565cfed86d129f7f289aa42cfd0ff4b4d7dd02d42000000000000000000000000000000000ca8ff6671f1e9dfeb485909f744a8879d736e2631bd5c8d83b4ba75eb63bb9dc0215927cb7dba0b1006613b24d8dd0b00000000000000000000000000000000109e87584a05cf796737424f285b1862b4e7bfe81425f36a7cf04aa53c7998c7e4d721dd3d1cbb55d6784304e08f5dd6000000000000000000000000000000000342f8f484c73cf2f783e16117548ab9be4932070508d3baeb307e8256334fd174235d997470bc7a36d3eb600b9c675d";
    bytes internal constant H_DIGEST_POP =
        hex"0000000000000000000000000000000016482b3bf1a21cec3e2301f597c28dbd850aaa5e98076971f015c5335309592af86fdf39b54acbd161b0c0c33c6c50d6000000000000000000000000000000001316c84b912401899dbe32a533f535dbf9d53a5d2e2c44dda10c690a8bc050c3d0ca156de58758cfa3809750f04fac930000000000000000000000000000000004fbd5cecae1979132e3a9717e41dc8f9f9d68b5cff788af84ec52cc3979daf6765e2a956e5be7fd60373b0a59ac3f1c0000000000000000000000000000000008c8ac301c3b04a982ce9374f469c9bf9e08d2693b29b65ea3448a04c06bea23db25166e9087b64e6ce549db26e8ca87";
    uint256 internal constant SK = 0x2b1b1ab4d4c8f2e4b23f5e7e2d3b2c1a0f9e8d7c6b5a49382716051423324150;
    bytes internal constant PK =
        hex"0000000000000000000000000000000019a491348242099fa802a73aac6a57c48fa76afeff33f9160a9dcf23523dcf04e73bdb54fa1a52a123a934c7f1b84682000000000000000000000000000000000b0199b8f2e11707af085e2c940de59c7269d4412af92cd9f6c6a99017955ea6d18269c1ddcf70843dc090c4c514fadf";
    bytes32 internal constant DIGEST = 0x01ab728d6b3eedd60422328db1ba55e475f570f5c1ec867dcde3d9f18b05da9e;
    bytes internal constant SIG_SIG =
        hex"000000000000000000000000000000001007ccdf3692a587658c651d00da4bbc149596b93cf5d27a9ec06edb6d4adc64de44a66882f35410a59034ab7a1ebf170000000000000000000000000000000014a4a609638223c796152d8ae79fa1e177b47a5b148f46f976918055a014673adc0e77737e4563e707d8c1434f3a8df700000000000000000000000000000000049862f617cfff0b867026116ec62215a65647e205b6adc285f789acc8b6fae8a901ea122b1b8917567e276e40f3cda60000000000000000000000000000000019a20a1772d9b44ae70808f88bf8163f16ce2bea2253519798544b4fe7225847e8c45713f3a46a2d7af7f1b724a45b4a";
    bytes internal constant SIG_POP =
        hex"000000000000000000000000000000000bbacd0aa836d59fc851fd3ecc65a6ea813cdaeebfb188f63db4d8c006616fc32966ca0b2cbb8b5b36b94084787499c300000000000000000000000000000000122d72274e023c73d85d963188628cfa46e17d0a14004686720e97de276a9d56b3da96309731f03ea1495f0467ab89ca000000000000000000000000000000000501e01055917b3aa2d753f524a5320be1ae270dea84e617755df6c1c59955693e29e29ac90939409b10f5de6861eeca00000000000000000000000000000000120dce907b22bcd53a33ef5469c619b00b3af9b5fd9ec5358b9c1ca9931401b9ab8dbd346def3b18e6b0d0eeb23752ac";

    BLSHarness internal h;

    function setUp() public {
        _requirePrague();
        h = new BLSHarness();
    }

    function _eq(bytes memory a, bytes memory b, string memory what) internal pure {
        assertTrue(keccak256(a) == keccak256(b), what);
    }

    function test_expandMessageXmdMatchesRfc9380AndPyEcc() public view {
        // RFC 9380 K.1, msg "", len_in_bytes 0x20
        _eq(h.expandMessageXmd("", "QUUX-V01-CS02-with-expander-SHA256-128", 32), XMD_QUUX_EMPTY_32, "RFC K.1");
        _eq(h.expandMessageXmd("abc", BLS.DST_SIG, 256), XMD_ABC_SIG_256, "py_ecc, 256 bytes, SIG DST");
    }

    function test_hashToG2MatchesPyEccWithEveryDst() public view {
        bytes memory digest = abi.encodePacked(DIGEST);
        // RFC 9380 J.10.1 (msg "") is H_EMPTY_QUUX
        _eq(h.hashToG2("", DST_QUUX), H_EMPTY_QUUX, "empty, QUUX (RFC J.10.1)");
        _eq(h.hashToG2("", BLS.DST_SIG), H_EMPTY_SIG, "empty, SIG");
        _eq(h.hashToG2("", BLS.DST_POP), H_EMPTY_POP, "empty, POP");
        _eq(h.hashToG2("abc", DST_QUUX), H_ABC_QUUX, "abc, QUUX (RFC J.10.1)");
        _eq(h.hashToG2("abc", BLS.DST_SIG), H_ABC_SIG, "abc, SIG");
        _eq(h.hashToG2("abc", BLS.DST_POP), H_ABC_POP, "abc, POP");
        _eq(h.hashToG2(digest, DST_QUUX), H_DIGEST_QUUX, "digest, QUUX");
        _eq(h.hashToG2(digest, BLS.DST_SIG), H_DIGEST_SIG, "digest, SIG");
        _eq(h.hashToG2(digest, BLS.DST_POP), H_DIGEST_POP, "digest, POP");
    }

    function test_pyEccSignaturesVerify() public view {
        _eq(BLSKeys.pubkey(SK), PK, "G1MSM(G1, sk) is py_ecc's SkToPk");
        assertTrue(h.verify(PK, DIGEST, SIG_SIG, BLS.DST_SIG), "G2ProofOfPossession.Sign");
        assertTrue(h.verify(PK, DIGEST, SIG_POP, BLS.DST_POP), "_CoreSign with the POP DST");
        // and the signatures made on chain are py_ecc's, byte for byte
        _eq(BLSKeys.sign(SK, DIGEST, BLS.DST_SIG), SIG_SIG, "on-chain signature = py_ecc signature");
        _eq(BLSKeys.sign(SK, DIGEST, BLS.DST_POP), SIG_POP, "on-chain PoP-DST signature = py_ecc");
    }

    function test_wrongMessageKeyOrDstFails() public view {
        assertTrue(!h.verify(PK, bytes32(uint256(DIGEST) ^ 1), SIG_SIG, BLS.DST_SIG), "other message");
        assertTrue(!h.verify(PK, DIGEST, SIG_SIG, BLS.DST_POP), "other DST");
        assertTrue(!h.verify(PK, DIGEST, SIG_POP, BLS.DST_SIG), "PoP signature is no checkpoint signature");
        assertTrue(!h.verify(BLSKeys.pubkey(SK + 1), DIGEST, SIG_SIG, BLS.DST_SIG), "other key");
        assertTrue(!h.verify(new bytes(128), DIGEST, new bytes(256), BLS.DST_SIG), "infinity key refused");
    }

    function test_aggregateSignatureVerifiesAgainstAggregateKey() public view {
        uint256[3] memory sks = [BLSKeys.secretKey(1), BLSKeys.secretKey(2), BLSKeys.secretKey(3)];
        bytes memory aggKey = BLSKeys.pubkey(sks[0]);
        bytes memory aggSig = BLSKeys.sign(sks[0], DIGEST, BLS.DST_SIG);
        for (uint256 i = 1; i < 3; ++i) {
            aggKey = h.g1Add(aggKey, BLSKeys.pubkey(sks[i]));
            aggSig = h.g2Add(aggSig, BLSKeys.sign(sks[i], DIGEST, BLS.DST_SIG));
        }
        assertTrue(h.verify(aggKey, DIGEST, aggSig, BLS.DST_SIG), "3 signers");
        // a signature missing one signer fails
        bytes memory twoSig = h.g2Add(BLSKeys.sign(sks[0], DIGEST, BLS.DST_SIG), BLSKeys.sign(sks[1], DIGEST, BLS.DST_SIG));
        assertTrue(!h.verify(aggKey, DIGEST, twoSig, BLS.DST_SIG), "2 of 3 signed");
    }

    function test_groupHelpers() public view {
        bytes memory g = BLSKeys.g1Generator();
        _eq(h.g1Add(g, g), BLSKeys.g1Mul(g, 2), "G + G = 2G");
        _eq(h.g1Add(g, h.g1Negate(g)), new bytes(128), "G - G = infinity");
        _eq(h.g1Negate(new bytes(128)), new bytes(128), "-infinity = infinity");
        bytes memory p = BLSKeys.pubkey(SK);
        _eq(h.g1Negate(h.g1Negate(p)), p, "--P = P");
        _eq(h.g1Negate(p), BLSKeys.g1Mul(p, BLSKeys.R - 1), "-P = (r-1)P");
        _eq(h.g2Add(H_ABC_SIG, H_ABC_SIG), BLSKeys.g2Mul(H_ABC_SIG, 2), "H + H = 2H");
    }

    /// Each failing precompile call burns all the gas it is given (EIP-2537), so each call here gets a bounded amount.
    function test_badPointsRevertWithCustomError() public {
        bytes memory offCurve = new bytes(128);
        offCurve[127] = 0x01; // (0, 1) is not on y^2 = x^3 + 4
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSPrecompileFailed.selector, BLS.G1ADD));
        h.g1Add{gas: 1_000_000}(offCurve, BLSKeys.g1Generator());
        // a signature that is not a G2 point: the pairing fails
        bytes memory badSig = new bytes(256);
        badSig[255] = 0x01;
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSPrecompileFailed.selector, BLS.PAIRING_CHECK));
        h.verify{gas: 1_000_000}(PK, DIGEST, badSig, BLS.DST_SIG);
        // a key on the curve but outside the prime-order subgroup is refused by the pairing's subgroup check
        bytes memory nonSubgroup = _g1OffSubgroup();
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSPrecompileFailed.selector, BLS.PAIRING_CHECK));
        h.verify{gas: 1_000_000}(nonSubgroup, DIGEST, SIG_SIG, BLS.DST_SIG);
        // a coordinate not below p
        bytes memory big = BLSKeys.g1Generator();
        big[16] = 0xff;
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSPrecompileFailed.selector, BLS.G1ADD));
        h.g1Add{gas: 1_000_000}(big, big);
    }

    function test_badLengthsAndDsts() public {
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSInvalidLength.selector, 255, 256));
        h.verify(PK, DIGEST, new bytes(255), BLS.DST_SIG);
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSInvalidLength.selector, 96, 128));
        h.verify(new bytes(96), DIGEST, SIG_SIG, BLS.DST_SIG);
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSInvalidLength.selector, 0, 255 * 32));
        h.expandMessageXmd("abc", BLS.DST_SIG, 0);
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSInvalidLength.selector, 255 * 32 + 1, 255 * 32));
        h.expandMessageXmd("abc", BLS.DST_SIG, 255 * 32 + 1);
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSInvalidDst.selector, 0));
        h.hashToG2("abc", "");
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSInvalidDst.selector, 256));
        h.hashToG2("abc", new bytes(256));
    }

    /// @dev (4, sqrt(4^3 + 4)): on y^2 = x^3 + 4 but not in the order-r subgroup (r * P != infinity; found with
    ///      py_ecc, the smallest such x). G1ADD accepts it (it only checks the curve equation).
    function _g1OffSubgroup() internal view returns (bytes memory point) {
        point = hex"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000a989badd40d6212b33cffc3f3763e9bc760f988c9926b26da9dd85e928483446346b8ed00e1de5d5ea93e354abe706c";
        // on the curve: G1ADD accepts it
        h.g1Add(point, point);
    }
}
