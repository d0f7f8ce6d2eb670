// Swagger UI over the gateway's own OpenAPI document, with "Try it out" on. The dashboard's key or
// token (sessionStorage, this tab only) goes with every request, the document's fetch included.
window.ui = window.SwaggerUIBundle({
	url: "/api/openapi.json",
	dom_id: "#swagger-ui",
	deepLinking: true,
	tryItOutEnabled: true,
	displayRequestDuration: true,
	filter: true,
	requestInterceptor: req => {
		const token = window.sessionStorage.getItem("rookery.token");
		if (token && !req.headers.Authorization) req.headers.Authorization = "Bearer " + token;
		return req;
	},
});
