//! How coin hours are split among a transaction's receivers (the
//! reference's `src/transaction/hours.go`): in proportion to the coins each
//! receives, with the remainder of the integer division handed out one hour
//! at a time, receivers that would get none first.

use super::CreateError;

/// Splits `hours` among outputs in proportion to `coins`
/// (`DistributeCoinHoursProportional`): each gets `⌊coins·hours/total⌋`,
/// then the hours lost to rounding go one each to outputs that got none,
/// then to the first outputs.
pub fn distribute_coin_hours_proportional(
    coins: &[u64],
    hours: u64,
) -> Result<Vec<u64>, CreateError> {
    if coins.is_empty() {
        return Err(CreateError::Distribution("coins array must not be empty"));
    }
    let mut total: u64 = 0;
    for &c in coins {
        if c == 0 {
            return Err(CreateError::Distribution("coins array has a zero value"));
        }
        total = total.checked_add(c).ok_or(CreateError::AddOverflow)?;
        if i64::try_from(c).is_err() {
            return Err(CreateError::Int64Overflow);
        }
    }
    if i64::try_from(total).is_err() || i64::try_from(hours).is_err() {
        return Err(CreateError::Int64Overflow);
    }
    // Both factors are below 2^63: the product fits in 128 bits.
    let mut out: Vec<u64> = coins
        .iter()
        .map(|&c| (u128::from(c) * u128::from(hours) / u128::from(total)) as u64)
        .collect();
    let assigned = out
        .iter()
        .try_fold(0u64, |a, &h| a.checked_add(h))
        .ok_or(CreateError::AddOverflow)?;
    // Each share is rounded down by less than one hour.
    let mut remaining = hours
        .checked_sub(assigned)
        .filter(|r| *r <= coins.len() as u64)
        .ok_or(CreateError::Distribution("assigned hours do not add up"))?;
    for h in out.iter_mut() {
        if remaining == 0 {
            break;
        }
        if *h == 0 {
            *h = 1;
            remaining -= 1;
        }
    }
    for h in out.iter_mut() {
        if remaining == 0 {
            break;
        }
        *h += 1;
        remaining -= 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's table (`TestDistributeCoinHoursProportional`).
    #[test]
    fn reference_table() {
        let ok: &[(&[u64], u64, &[u64])] = &[
            (&[1], 1, &[1]),
            (&[1], 0, &[0]),
            (&[2, 4, 8, 16], 30, &[2, 4, 8, 16]),
            (&[2, 4, 8, 16], 31, &[3, 4, 8, 16]),
            (&[2, 3, 5, 7, 11, 13], 41, &[2, 3, 5, 7, 11, 13]),
            (&[2, 3, 5, 7, 11, 13], 50, &[3, 4, 7, 8, 13, 15]),
            (&[16, 8, 4, 2, 1, 1], 14, &[7, 3, 1, 1, 1, 1]),
            (&[1, 1, 1, 1, 1], 1, &[1, 0, 0, 0, 0]),
            (&[1, 1, 1, 1, 1], 3, &[1, 1, 1, 0, 0]),
        ];
        for (coins, hours, want) in ok {
            assert_eq!(
                distribute_coin_hours_proportional(coins, *hours).as_deref(),
                Ok(*want),
                "{coins:?} {hours}"
            );
        }
        let d = distribute_coin_hours_proportional;
        assert_eq!(
            d(&[], 1).unwrap_err().to_string(),
            "DistributeCoinHoursProportional coins array must not be empty"
        );
        assert_eq!(
            d(&[1, 2, 0, 3], 1).unwrap_err().to_string(),
            "DistributeCoinHoursProportional coins array has a zero value"
        );
        let max63 = i64::MAX.unsigned_abs();
        assert_eq!(d(&[10, u64::MAX - 9], 1), Err(CreateError::AddOverflow));
        assert_eq!(d(&[10, max63], 1), Err(CreateError::Int64Overflow));
        assert_eq!(d(&[10, max63 + 1], 1), Err(CreateError::Int64Overflow));
        assert_eq!(d(&[10], max63 + 1), Err(CreateError::Int64Overflow));
        assert_eq!(
            CreateError::AddOverflow.to_string(),
            "uint64 addition overflow"
        );
    }
}
