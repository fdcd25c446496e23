package app

// Partner webhooks and the event pull feed (issue 18): handlers, view models and wiring of
// the shared/webhooks client. Routes are in routes.go (one block).

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/gin-gonic/gin"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/cursor"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/jsonbody"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/store"
	"bffsuite.dev/shared/webhooks"
)

// ScopeWebhooksManage is the scope of the /v1/webhooks routes.
const ScopeWebhooksManage = "webhooks.manage"

// WebhookEndpoint is a webhook endpoint as partners see it (never its secrets).
type WebhookEndpoint struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	EventTypes  []string `json:"event_types"`
	// SecretRotation is set while a rotated-out secret still signs (its end).
	PreviousSecretExpiresAt string `json:"previous_secret_expires_at,omitempty"`
	CreatedAt               string `json:"created_at"`
	UpdatedAt               string `json:"updated_at"`
}

// WebhookEndpointWithSecret answers create and rotate-secret: the one time the secret is shown.
type WebhookEndpointWithSecret struct {
	WebhookEndpoint
	Secret string `json:"secret"`
}

// WebhookEndpointList answers GET /v1/webhooks.
type WebhookEndpointList struct {
	Items []WebhookEndpoint `json:"items"`
}

// WebhookEndpointInput is the body of POST /v1/webhooks.
type WebhookEndpointInput struct {
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	EventTypes  []string `json:"event_types,omitempty"`
}

// WebhookDelivery is one delivery of an event to an endpoint.
type WebhookDelivery struct {
	ID          string `json:"id"`
	EventID     string `json:"event_id"`
	EventType   string `json:"event_type"`
	State       string `json:"state"`
	Attempts    int    `json:"attempts"`
	LastStatus  int    `json:"last_status,omitempty"`
	LastError   string `json:"last_error,omitempty"`
	NextRetryAt string `json:"next_retry_at,omitempty"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// WebhookDeliveryList answers GET /v1/webhooks/{id}/deliveries.
type WebhookDeliveryList struct {
	Items []WebhookDelivery `json:"items"`
}

// EventPage answers GET /v1/events.
type EventPage struct {
	Items []events.Event `json:"items"`
	// NextCursor is always set once the feed has an event: poll with it to get newer ones.
	NextCursor string `json:"next_cursor"`
	HasMore    bool   `json:"has_more"`
}

func toWebhookEndpoint(e webhooks.Endpoint) WebhookEndpoint {
	out := WebhookEndpoint{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: make([]string, 0, len(e.EventTypes)),
		CreatedAt: timestamp(e.CreatedAt), UpdatedAt: timestamp(e.UpdatedAt)}
	for _, t := range e.EventTypes {
		out.EventTypes = append(out.EventTypes, string(t))
	}
	for _, s := range e.Secrets {
		if !s.ExpiresAt.IsZero() {
			out.PreviousSecretExpiresAt = timestamp(s.ExpiresAt)
		}
	}
	return out
}

func toWebhookDelivery(d webhooks.Delivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, EventID: d.EventID, EventType: string(d.EventType), State: d.State, Attempts: d.Attempts,
		LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: timestamp(d.CreatedAt), UpdatedAt: timestamp(d.UpdatedAt)}
	if !d.NextRetryAt.IsZero() && d.State == webhooks.StatePending {
		out.NextRetryAt = timestamp(d.NextRetryAt)
	}
	return out
}

// newWebhooks builds the webhooks client: DynamoDB table BFF_TABLE_WEBHOOKS and the delivery
// queue BFF_WEBHOOK_QUEUE_URL (redeliver) with dynamodb; in memory with embedded, where
// http:// and loopback URLs are accepted (local mode), the in-process order event bus feeds
// the fanout and redeliver posts in process.
func newWebhooks(ctx context.Context, cfg Config, p *platform.Platform) (*webhooks.Client, error) {
	codec := cursor.NewRandom()
	if k := cfg.Platform.Store.CursorKey; k != "" {
		var err error
		if codec, err = cursor.New([]byte(k)); err != nil {
			return nil, fmt.Errorf("BFF_CURSOR_KEY: %w", err)
		}
	}
	local := cfg.Platform.Store.Backend == store.BackendEmbedded
	o := webhooks.Options{AllowHTTP: local, Cursors: codec}
	if p.DynamoDB == nil {
		c := webhooks.New(webhooks.NewMemory(), o)
		// make run: the embedded store's order events drive the same fanout and sender in
		// process (timers for the retries), and redeliver posts in process too. (Lambda builds
		// have no bus: their store.EventBus is not a Subscriber.)
		if bus, ok := any(p.Events).(webhooks.Subscriber); ok && p.Events != nil {
			c.SetEnqueuer(webhooks.RunLocal(bus, c, p.Logger, webhooks.LocalRetry{}))
		}
		return c, nil
	}
	if cfg.WebhookQueueURL != "" {
		awsCfg, err := awsconf.Load(ctx)
		if err != nil {
			return nil, err
		}
		o.Enqueue = webhooks.SQSEnqueuer(sqs.NewFromConfig(awsCfg), cfg.WebhookQueueURL)
	}
	return webhooks.New(webhooks.NewDynamoDB(p.DynamoDB, cfg.TableWebhooks), o), nil
}

func (h *App) createWebhook(c *gin.Context) {
	var in WebhookEndpointInput
	if err := jsonbody.Decode(c.Request, &in); err != nil {
		problem.Abort(c, jsonbody.Problem(err))
		return
	}
	e, secret, err := h.deps.Webhooks.CreateEndpoint(c.Request.Context(), partnerOf(c).ID,
		webhooks.EndpointInput{URL: in.URL, Description: in.Description, EventTypes: in.EventTypes})
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.Header("Location", "/v1/webhooks/"+e.ID)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, WebhookEndpointWithSecret{WebhookEndpoint: toWebhookEndpoint(e), Secret: secret})
}

func (h *App) listWebhooks(c *gin.Context) {
	es, err := h.deps.Webhooks.ListEndpoints(c.Request.Context(), partnerOf(c).ID)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := WebhookEndpointList{Items: make([]WebhookEndpoint, 0, len(es))}
	for _, e := range es {
		out.Items = append(out.Items, toWebhookEndpoint(e))
	}
	c.JSON(http.StatusOK, out)
}

func (h *App) getWebhook(c *gin.Context) {
	e, err := h.deps.Webhooks.GetEndpoint(c.Request.Context(), partnerOf(c).ID, c.Param("id"))
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toWebhookEndpoint(e))
}

func (h *App) deleteWebhook(c *gin.Context) {
	if err := h.deps.Webhooks.DeleteEndpoint(c.Request.Context(), partnerOf(c).ID, c.Param("id")); err != nil {
		problem.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *App) rotateWebhookSecret(c *gin.Context) {
	e, secret, err := h.deps.Webhooks.RotateSecret(c.Request.Context(), partnerOf(c).ID, c.Param("id"))
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, WebhookEndpointWithSecret{WebhookEndpoint: toWebhookEndpoint(e), Secret: secret})
}

func (h *App) listWebhookDeliveries(c *gin.Context) {
	v := &domain.ValidationError{}
	limit := parseLimit(v, c, webhooks.MaxDeliveryList)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	ds, err := h.deps.Webhooks.ListDeliveries(c.Request.Context(), partnerOf(c).ID, c.Param("id"), limit)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := WebhookDeliveryList{Items: make([]WebhookDelivery, 0, len(ds))}
	for _, d := range ds {
		out.Items = append(out.Items, toWebhookDelivery(d))
	}
	c.JSON(http.StatusOK, out)
}

func (h *App) redeliverWebhook(c *gin.Context) {
	d, err := h.deps.Webhooks.Redeliver(c.Request.Context(), partnerOf(c).ID, c.Param("id"), c.Param("delivery_id"))
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.JSON(http.StatusAccepted, toWebhookDelivery(d))
}

func (h *App) listEvents(c *gin.Context) {
	v := &domain.ValidationError{}
	limit := parseLimit(v, c, webhooks.MaxFeedLimit)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if limit == 0 {
		limit = webhooks.DefaultFeedLimit
	}
	evs, next, err := h.deps.Webhooks.Feed(c.Request.Context(), partnerOf(c).ID, c.Query("after"), limit)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	if evs == nil {
		evs = []events.Event{}
	}
	c.JSON(http.StatusOK, EventPage{Items: evs, NextCursor: next, HasMore: len(evs) == limit})
}
