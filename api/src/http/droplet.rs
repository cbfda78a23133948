//! Coin amounts as the reference prints and reads them: droplets (10⁻⁶ SKY)
//! as decimal strings with six places ([`skyx_coins::sky::droplet`]).

pub use skyx_coins::sky::droplet::to_string;
