package graph

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"github.com/facestat/facestat/panics"
)

// The helpers generated.go calls where graph/inline rewrote gqlgen's
// concurrent execution for what does no I/O (issue 16).

// marshalSliceInline is graphql.MarshalSliceConcurrently for lists whose
// items do no I/O: item after item on the calling goroutine, each with
// its field context, a panic nulling the item as gqlgen's does.
func marshalSliceInline(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		idx := i
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &idx})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer panics.Catch(func(r any) {
				graphql.AddError(childCtx, graphql.Recover(childCtx, r))
				ret[i] = graphql.Null
			})
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// resolveInline is FieldSet.ResolveConcurrently for a resolver that does
// no I/O: it runs now, on the calling goroutine (a deferred field is left
// to gqlgen).
func resolveInline(ctx context.Context, out *graphql.FieldSet, field graphql.CollectedField, oc *graphql.OperationContext,
	deferred *graphql.DeferredGroup, i int, recoverFromPanic, nonNull bool, resolve func(context.Context) graphql.Marshaler) {
	if field.IsDeferred() {
		out.ResolveConcurrently(oc, deferred, i, recoverFromPanic, nonNull, resolve)
		return
	}
	v := func() (res graphql.Marshaler) {
		if recoverFromPanic {
			defer panics.Catch(func(r any) {
				oc.Error(ctx, oc.Recover(ctx, r))
				res = graphql.Null
			})
		}
		return resolve(ctx)
	}()
	out.Values[i] = v
	invalid := graphql.Marshaler(graphql.RequiredNull)
	if nonNull {
		invalid = graphql.Null
	}
	if v == invalid {
		atomic.AddUint32(&out.Invalids, 1)
	}
}
