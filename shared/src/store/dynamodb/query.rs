//! Queries of the index `gsi1`: one call, one page of a list (filling it across calls), and
//! everything matching (housekeeping).

use super::*;

/// Round trips one list page may spend skipping filtered-out items.
const MAX_QUERY_CALLS_PER_PAGE: u32 = 10;
/// Pages a sweep reads at most (each up to 1 MB); housekeeping must stay bounded.
const MAX_SWEEP_PAGES: u32 = 50;

impl DynamoDbStore {
    /// One Query of `gsi1`. Eventually consistent (GSIs cannot be read consistently):
    /// lists only, never a by-id read.
    pub(super) async fn query_index_once(
        &self,
        query: &IndexQuery,
        start: Option<Item>,
        limit: usize,
    ) -> StoreResult<(Vec<Item>, Option<Item>)> {
        let mut key_condition =
            Expr::new("#ipk = :ipk").name("#ipk", GSI1_PK).value(":ipk", s(query.partition.clone()));
        if let Some(prefix) = &query.sort_prefix {
            key_condition.text.push_str(" AND begins_with(#isk, :isk)");
            key_condition = key_condition.name("#isk", GSI1_SK).value(":isk", s(prefix.clone()));
        }
        let (names, values) = match &query.filter {
            Some(filter) => Expr::merged_placeholders(&[&key_condition, filter]),
            None => Expr::merged_placeholders(&[&key_condition]),
        };
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression(key_condition.text)
            .set_filter_expression(query.filter.as_ref().map(|f| f.text.clone()))
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .scan_index_forward(!query.newest_first)
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000))
            .send()
            .await
            .map_err(|e| classify("Query", e))?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    /// Up to `max_items` matching items after `query.start_after`, and the position to
    /// continue from when more may follow. Limit applies before the filter in DynamoDB, so
    /// this queries until it holds one item more than asked (proof that more follow) or
    /// the index is exhausted. If the round-trip budget runs out first, the page is short
    /// and `next` is the position of the last item *examined*, so the next page does not
    /// examine the filtered-out ones again.
    pub(super) async fn query_index_page(
        &self,
        query: &IndexQuery,
        max_items: usize,
    ) -> StoreResult<(Vec<Item>, Option<String>)> {
        let wanted = max_items + 1;
        let mut collected: Vec<Item> = Vec::with_capacity(wanted);
        let mut start = query.start_after.clone();
        for _ in 0..MAX_QUERY_CALLS_PER_PAGE {
            let remaining = wanted - collected.len();
            // With a filter, read more per call: most of what is read may be dropped.
            let limit = if query.filter.is_some() { remaining.max(100) } else { remaining };
            let (items, last_evaluated) = self.query_index_once(query, start.take(), limit).await?;
            collected.extend(items);
            if collected.len() >= wanted {
                collected.truncate(max_items);
                let next =
                    collected.last().map(|item| string_attribute(item, GSI1_SK).map(str::to_string)).transpose()?;
                return Ok((collected, next));
            }
            match last_evaluated {
                None => return Ok((collected, None)),
                Some(key) => start = Some(key),
            }
        }
        let next = start.as_ref().map(|key| string_attribute(key, GSI1_SK).map(str::to_string)).transpose()?;
        Ok((collected, next))
    }

    /// Every matching item (bounded by [`MAX_SWEEP_PAGES`]), for housekeeping.
    pub(super) async fn query_index_all(&self, query: &IndexQuery) -> StoreResult<Vec<Item>> {
        let mut all = Vec::new();
        let mut start = None;
        for _ in 0..MAX_SWEEP_PAGES {
            let (items, last_evaluated) = self.query_index_once(query, start.take(), 1000).await?;
            all.extend(items);
            match last_evaluated {
                None => return Ok(all),
                Some(key) => start = Some(key),
            }
        }
        Err(StoreError::unavailable("too many credentials to sweep in one go"))
    }

    /// One page of a Scan of the table with `filter` (consistent when asked), from `start`:
    /// the items and where the next page starts. Housekeeping and the operator's replay only;
    /// no request path scans.
    pub(super) async fn scan_once(
        &self,
        filter: &Expr,
        start: Option<Item>,
        limit: Option<usize>,
        consistent: bool,
    ) -> StoreResult<(Vec<Item>, Option<Item>)> {
        let (names, values) = Expr::merged_placeholders(&[filter]);
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(filter.text.clone())
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .consistent_read(consistent)
            .set_exclusive_start_key(start)
            .set_limit(limit.map(|l| i32::try_from(l.clamp(1, 1000)).unwrap_or(1000)))
            .send()
            .await
            .map_err(|e| classify("Scan", e))?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    pub(super) async fn list_principals(
        &self,
        partition: String,
        newest_first: bool,
        page: &PageRequest,
    ) -> StoreResult<(Vec<Principal>, Option<String>)> {
        let start_after = match &page.after {
            None => None,
            Some(after) => {
                let id = position::parse_principal(after)?;
                Some(index_start_key(principal_key(id), &partition, after))
            }
        };
        let query = IndexQuery { partition, sort_prefix: None, filter: None, newest_first, start_after };
        let (items, next) = self.query_index_page(&query, page.max_items).await?;
        let principals = items.into_iter().map(decode_principal).collect::<StoreResult<Vec<_>>>()?;
        Ok((principals, next))
    }
}

/// A query of `gsi1`.
#[derive(Debug, Clone)]
pub(super) struct IndexQuery {
    /// The `gsi1pk` value.
    pub(super) partition: String,
    /// `begins_with(gsi1sk, ..)`.
    pub(super) sort_prefix: Option<String>,
    pub(super) filter: Option<Expr>,
    pub(super) newest_first: bool,
    pub(super) start_after: Option<Item>,
}

/// ExclusiveStartKey for a GSI query: the table key and the index key of the position.
pub(super) fn index_start_key(mut table_key: Item, partition: &str, position: &str) -> Item {
    table_key.insert(GSI1_PK.into(), s(partition));
    table_key.insert(GSI1_SK.into(), s(position));
    table_key
}
