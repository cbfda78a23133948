//! The OpenAPI document of every route (generated from the handlers'
//! annotations) and the Swagger UI that shows it at `/docs`.

use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use super::v1::{blockchain, explorer, network, outputs, skyx, status, transaction};
use super::v2::{create, transactions, verify};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "skyx node API",
        description = "The Skycoin node REST API as the reference node serves it (v1 errors are text `<code> <status text> - <message>`, v2 answers are `{\"data\": …}` or `{\"error\": {\"message\", \"code\"}}`), plus skyx extensions.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        status::health_handler, status::version_handler, status::csrf_handler, status::metrics_handler,
        blockchain::metadata_handler, blockchain::progress_handler, blockchain::block_handler,
        blockchain::blocks_handler, blockchain::last_blocks_handler,
        transaction::transaction_handler, transaction::rawtx_handler, transaction::transactions_handler,
        transaction::transactions_num_handler, transaction::pending_handler,
        transaction::inject_handler, transaction::resend_handler,
        outputs::outputs_handler, outputs::balance_handler, outputs::uxout_handler,
        outputs::address_uxouts_handler,
        explorer::coin_supply_handler, explorer::richlist_handler, explorer::address_count_handler,
        network::connection_handler, network::disconnect_handler, network::connections_handler,
        network::default_handler,
        network::trust_handler, network::exchange_handler,
        skyx::transaction_status_handler,
        transactions::transactions_v2_handler, create::create_handler,
        verify::verify_txn_handler, verify::verify_address_handler,
    ),
    components(schemas(super::error::ErrorResponse, super::error::ErrorBody)),
    tags(
        (name = "status", description = "Node status"),
        (name = "blockchain", description = "Blocks"),
        (name = "transaction", description = "Transactions"),
        (name = "outputs", description = "Outputs and balances"),
        (name = "explorer", description = "Explorer figures"),
        (name = "network", description = "Peers"),
        (name = "address", description = "Addresses"),
        (name = "skyx", description = "skyx extensions")
    )
)]
pub struct ApiDoc;

/// The document as pretty JSON (what `skyx openapi` prints).
pub fn document_json() -> Result<String, serde_json::Error> {
    ApiDoc::openapi().to_pretty_json()
}

/// Swagger UI at `/docs`, reading the document from `/api/openapi.json`.
pub fn swagger() -> SwaggerUi {
    SwaggerUi::new("/docs").url("/api/openapi.json", ApiDoc::openapi())
}
