package events

import (
	"fmt"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/store/dynamo"
)

// typeOf is the event type of an order reaching status (placing is handled apart: an order
// that appears is placed, whatever its first status).
var typeOf = map[orders.Status]Type{
	orders.StatusConfirmed: OrderConfirmed,
	orders.StatusShipped:   OrderShipped,
	orders.StatusDelivered: OrderDelivered,
	orders.StatusCancelled: OrderCancelled,
}

// FromChange is the event of the change that turned old into cur, or nil when the change is not an order event: no status change (a write that only touched
// other attributes, or the same version written again), or a status no event names (a
// saga's internal step). The event id is ID(cur.ID, cur.Version), so every transport that
// derives the event from the same change (the stream, a rebuild scan, the embedded store)
// yields the same id. old nil means cur was created: order.placed, or the type of its status
// when it was written past its first status (a seed or an import), as Snapshot.
func FromChange(old *orders.Order, cur orders.Order) *Event {
	if old == nil {
		e := Snapshot(cur)
		return &e
	}
	var t Type
	prev := ""
	switch {
	case old.Status == cur.Status || old.Version >= cur.Version:
		return nil
	default:
		var ok bool
		if t, ok = typeOf[cur.Status]; !ok {
			return nil
		}
		prev = string(old.Status)
	}
	e := Snapshot(cur)
	e.Type, e.PreviousStatus = t, prev
	return &e
}

// Snapshot is the event body of order o as it is now, of the type its status names
// (order.placed for the first status): what a rebuild replays for an order whose history of
// changes is not kept. Its id is that of the change that produced this version, as FromChange's.
func Snapshot(o orders.Order) Event {
	t, ok := typeOf[o.Status]
	if !ok {
		t = OrderPlaced
	}
	occurred := o.UpdatedAt
	if occurred.IsZero() {
		occurred = o.CreatedAt
	}
	lines := make([]Line, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = Line{ProductID: l.ProductID, SKU: l.SKU, Quantity: l.Quantity}
	}
	return Event{
		ID: ID(o.ID, o.Version), Type: t, SpecVersion: SpecVersion, OccurredAt: occurred.UTC().Truncate(time.Millisecond),
		OrderID: o.ID, OrderVersion: o.Version,
		Owner:  Owner{CustomerID: o.CustomerID, PartnerID: o.PartnerID, Channel: string(o.Channel)},
		Status: string(o.Status), ItemCount: o.ItemCount,
		Total: Money{Amount: o.Total.Amount, Currency: o.Total.Currency}, Lines: lines,
		CorrelationID: o.CorrelationID, TraceHeader: o.TraceHeader,
	}
}

// FromStreamRecord is the event of an orders-table stream record (NEW_AND_OLD_IMAGES), or nil
// when the record is not an order event (a REMOVE, or FromChange's nil). Its id is stable: a
// redelivered record yields the same id. A record whose images cannot be decoded is an error
// wrapping ErrUndecodable (a poison record: retrying it cannot help).
func FromStreamRecord(r awsevents.DynamoDBEventRecord) (*Event, error) {
	switch r.EventName {
	case string(awsevents.DynamoDBOperationTypeRemove):
		return nil, nil
	case string(awsevents.DynamoDBOperationTypeInsert), string(awsevents.DynamoDBOperationTypeModify):
	default:
		return nil, fmt.Errorf("%w: record %s has event name %q", ErrUndecodable, r.EventID, r.EventName)
	}
	if r.Change.NewImage == nil {
		return nil, fmt.Errorf("%w: record %s has no new image (stream view type %s; want NEW_AND_OLD_IMAGES)", ErrUndecodable, r.EventID, r.Change.StreamViewType)
	}
	cur, reason, err := dynamo.OrderFromStreamImage(r.Change.NewImage)
	if err != nil {
		return nil, fmt.Errorf("%w: record %s new image: %v", ErrUndecodable, r.EventID, err)
	}
	var old *orders.Order
	if r.EventName == string(awsevents.DynamoDBOperationTypeModify) && r.Change.OldImage != nil {
		o, _, err := dynamo.OrderFromStreamImage(r.Change.OldImage)
		if err != nil {
			return nil, fmt.Errorf("%w: record %s old image: %v", ErrUndecodable, r.EventID, err)
		}
		old = &o
	}
	e := FromChange(old, cur)
	if e != nil && e.Type == OrderCancelled {
		e.CancellationReason = reason
	}
	return e, nil
}
