//! Explorer queries over the chain store (balances, rich list, coin supply, paging).
