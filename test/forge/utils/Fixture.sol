// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {LiquidityPoolFactory} from "../../../contracts/tokens/LiquidityPoolFactory.sol";
import {ResourceMarket} from "../../../contracts/tokens/ResourceMarket.sol";
import {ResourceOrderBook} from "../../../contracts/tokens/ResourceOrderBook.sol";
import {ResourceStaking} from "../../../contracts/tokens/ResourceStaking.sol";
import {ResourceToken} from "../../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../../contracts/tokens/ResourceType.sol";
import {Test} from "./Test.sol";

/// @notice Deploys the token component the way production does: four tokens with the seed's caps, then the market
///         (granted MINTER_ROLE on each), staking with the seed's APRs, the order book and the pool factory. The test
///         contract is admin and guardian.
abstract contract Fixture is Test {
    uint256 internal constant UNIT = 1e18;

    ResourceToken[4] internal tokens;
    ResourceMarket internal market;
    ResourceStaking internal staking;
    ResourceOrderBook internal book;
    LiquidityPoolFactory internal factory;

    // Seed caps (whole tokens), base prices (USD 0.001, 0.0005, 0.0001, 0.00001 at USD 2,000 per ETH, in wei per
    // token), steepness (whole tokens: the price doubles at 10% of the cap) and APRs (basis points).
    function _caps() internal pure returns (uint256[4] memory) {
        return [uint256(1_000_000), 2_000_000, 5_000_000, 10_000_000];
    }

    function _basePrices() internal pure returns (uint256[4] memory) {
        return [uint256(5e11), 2.5e11, 5e10, 5e9];
    }

    function _steepness() internal pure returns (uint256[4] memory) {
        return [uint256(100_000), 200_000, 500_000, 1_000_000];
    }

    function _aprs() internal pure returns (uint256[4] memory) {
        return [uint256(1000), 800, 600, 500];
    }

    function _tokenAddresses() internal view returns (address[4] memory a) {
        for (uint256 i = 0; i < 4; ++i) {
            a[i] = address(tokens[i]);
        }
    }

    function _deployAll() internal {
        string[4] memory names =
            ["NovaCron CPU Token", "NovaCron Memory Token", "NovaCron Storage Token", "NovaCron Network Token"];
        string[4] memory symbols = ["CPU", "MEM", "STO", "NET"];
        uint256[4] memory caps = _caps();
        for (uint256 i = 0; i < 4; ++i) {
            tokens[i] = new ResourceToken(names[i], symbols[i], caps[i] * UNIT, address(this), address(this));
        }
        market = new ResourceMarket(address(this), address(this), _tokenAddresses(), _basePrices(), _steepness());
        for (uint256 i = 0; i < 4; ++i) {
            tokens[i].grantRole(tokens[i].MINTER_ROLE(), address(market));
        }
        staking = new ResourceStaking(address(this), address(this), _tokenAddresses(), _aprs());
        book = new ResourceOrderBook(address(this), address(this), _tokenAddresses());
        factory = new LiquidityPoolFactory(address(this), address(this));
    }

    function token(ResourceType r) internal view returns (ResourceToken) {
        return tokens[uint8(r)];
    }
}
